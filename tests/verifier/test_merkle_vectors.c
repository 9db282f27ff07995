/*
 * test_merkle_vectors.c -- the transparency-dev/merkle proof vectors, when present.
 *
 * tests/vectors/merkle/{inclusion,consistency}/ (committed unchanged; origin and licence in
 * its SOURCE.md) hold one JSON case per file: leafIdx, treeSize, root, leafHash, proof[],
 * or size1, size2, root1, root2, proof[]; plus desc and wantErr.  Every case must be
 * accepted exactly when wantErr is false.  The subtree* folders are proofs of another
 * kind (tlog-proof subtrees) and are not read here.
 *
 * The API takes proof hashes and the leaf hash as fixed 32-byte arrays: a case whose leaf
 * hash or some proof hash is not 32 bytes cannot even be expressed, so it counts as
 * refused -- and must therefore be a wantErr case.
 */
#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

#include "harness.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/merkle.h"
#include "support/vectors.h"

#define VECTOR_DIR "tests/vectors/merkle"
#define MAX_BYTES 256
#define MAX_PROOF (SP_MAX_PROOF_HASHES + 1)

static const sp_crypto *crypto;
static size_t ran, refused_by_shape;

/* The fields of one case. */
typedef struct mcase {
    uint64_t leaf_idx, tree_size, size1, size2;
    uint8_t root[MAX_BYTES], root1[MAX_BYTES], root2[MAX_BYTES], leaf_hash[MAX_BYTES];
    size_t root_len, root1_len, root2_len, leaf_hash_len;
    uint8_t proof[MAX_PROOF][SP_SHA256_BYTES];
    size_t proof_len;
    int proof_odd;   /* some proof hash is not 32 bytes */
    int want_err;
    int bad;         /* the reader met something it does not know */
    char desc[128];
} mcase;

/* ---- a reader for exactly these small JSON objects ----------------------------------- */

typedef struct rd {
    const char *p, *end;
} rd;

static void ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
        r->p++;
}

static int eat(rd *r, char c)
{
    ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return 1;
    }
    return 0;
}

/* A string without escapes (none of these files has any) into out[cap]. */
static int str(rd *r, char *out, size_t cap)
{
    size_t n = 0;
    if (!eat(r, '"'))
        return 0;
    while (r->p < r->end && *r->p != '"') {
        if (*r->p == '\\' || n + 1 >= cap)
            return 0;
        out[n++] = *r->p++;
    }
    out[n] = '\0';
    return eat(r, '"');
}

static int u64(rd *r, uint64_t *v)
{
    int digits = 0;
    ws(r);
    *v = 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        uint64_t d = (uint64_t)(*r->p++ - '0');
        if (*v > (UINT64_MAX - d) / 10)
            return 0;
        *v = *v * 10 + d;
        digits++;
    }
    return digits > 0;
}

static int b64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    return sodium_base642bin(out, cap, s, strlen(s), NULL, len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0;
}

static int literal(rd *r, const char *lit)
{
    size_t n = strlen(lit);
    ws(r);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
        return 0;
    r->p += n;
    return 1;
}

static int read_proof(rd *r, mcase *c)
{
    char s[MAX_BYTES * 2];
    if (literal(r, "null"))
        return 1;
    if (!eat(r, '['))
        return 0;
    if (eat(r, ']'))
        return 1;
    do {
        uint8_t h[MAX_BYTES];
        size_t n = 0;
        if (!str(r, s, sizeof s) || !b64(s, h, sizeof h, &n))
            return 0;
        if (n != SP_SHA256_BYTES)
            c->proof_odd = 1;
        else if (c->proof_len < MAX_PROOF)
            memcpy(c->proof[c->proof_len], h, SP_SHA256_BYTES);
        if (c->proof_len < MAX_PROOF)
            c->proof_len++;
    } while (eat(r, ','));
    return eat(r, ']');
}

static int read_case(const char *text, size_t len, mcase *c)
{
    rd r = {text, text + len};
    char key[32], s[MAX_BYTES * 2];

    memset(c, 0, sizeof *c);
    if (!eat(&r, '{'))
        return 0;
    do {
        int ok;
        if (!str(&r, key, sizeof key) || !eat(&r, ':'))
            return 0;
        if (strcmp(key, "leafIdx") == 0)
            ok = u64(&r, &c->leaf_idx);
        else if (strcmp(key, "treeSize") == 0)
            ok = u64(&r, &c->tree_size);
        else if (strcmp(key, "size1") == 0)
            ok = u64(&r, &c->size1);
        else if (strcmp(key, "size2") == 0)
            ok = u64(&r, &c->size2);
        else if (strcmp(key, "root") == 0)
            ok = str(&r, s, sizeof s) && b64(s, c->root, MAX_BYTES, &c->root_len);
        else if (strcmp(key, "root1") == 0)
            ok = str(&r, s, sizeof s) && b64(s, c->root1, MAX_BYTES, &c->root1_len);
        else if (strcmp(key, "root2") == 0)
            ok = str(&r, s, sizeof s) && b64(s, c->root2, MAX_BYTES, &c->root2_len);
        else if (strcmp(key, "leafHash") == 0)
            ok = str(&r, s, sizeof s) && b64(s, c->leaf_hash, MAX_BYTES, &c->leaf_hash_len);
        else if (strcmp(key, "proof") == 0)
            ok = read_proof(&r, c);
        else if (strcmp(key, "desc") == 0)
            ok = str(&r, c->desc, sizeof c->desc);
        else if (strcmp(key, "wantErr") == 0) {
            ok = literal(&r, "true") ? (c->want_err = 1) : literal(&r, "false");
        } else
            ok = 0;
        if (!ok)
            return 0;
    } while (eat(&r, ','));
    return eat(&r, '}');
}

/* ---- running ----------------------------------------------------------------------- */

static void run_case(const char *path, int inclusion)
{
    static char text[65536];
    static mcase c;
    FILE *f = fopen(path, "rb");
    size_t len;
    sp_err e;

    CHECK(f != NULL);
    if (f == NULL)
        return;
    len = fread(text, 1, sizeof text, f);
    fclose(f);
    if (!read_case(text, len, &c)) {
        printf("  %s: cannot read\n", path);
        CHECK(0);
        return;
    }
    ran++;
    if (c.proof_odd || (inclusion && c.leaf_hash_len != SP_SHA256_BYTES)) {
        /* Not expressible through the API: refused by construction. */
        refused_by_shape++;
        if (!c.want_err)
            printf("  %s (%s): a valid case the API cannot express\n", path, c.desc);
        CHECK(c.want_err);
        return;
    }
    if (inclusion)
        e = sp_merkle_verify_inclusion(crypto, c.leaf_idx, c.tree_size, c.leaf_hash,
                                       (const uint8_t(*)[SP_SHA256_BYTES])c.proof, c.proof_len,
                                       c.root, c.root_len);
    else
        e = sp_merkle_verify_consistency(crypto, c.size1, c.size2, c.root1, c.root1_len,
                                         c.root2, c.root2_len,
                                         (const uint8_t(*)[SP_SHA256_BYTES])c.proof,
                                         c.proof_len);
    if ((e == SP_OK) == c.want_err) {
        printf("  %s (%s): got %s, wantErr %s\n", path, c.desc, sp_err_name(e),
               c.want_err ? "true" : "false");
        CHECK(0);
    }
}

/* Every *.json below dir (recursion is fine in a test). */
static void run_dir(const char *dir, int inclusion)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    CHECK(d != NULL);
    if (d == NULL)
        return;
    while ((ent = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        size_t n = strlen(ent->d_name);
        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            run_dir(path, inclusion);
        else if (n > 5 && strcmp(ent->d_name + n - 5, ".json") == 0)
            run_case(path, inclusion);
    }
    closedir(d);
}

static void test_vectors(void)
{
    char root[4096], dir[4200];
    size_t before;

    if (!vec_path(root, sizeof root, VECTOR_DIR)) {
        printf("  %s is missing (committed transparency-dev/merkle vectors)\n", VECTOR_DIR);
        CHECK(0);
        return;
    }
    snprintf(dir, sizeof dir, "%s/inclusion", root);
    run_dir(dir, 1);
    before = ran;
    snprintf(dir, sizeof dir, "%s/consistency", root);
    run_dir(dir, 0);
    printf("  merkle vectors: %zu inclusion, %zu consistency, %zu refused by shape "
           "(non-32-byte hash)\n",
           before, ran - before, refused_by_shape);
    CHECK(before == 98 && ran - before == 98); /* every file of SOURCE.md's count */
}

int main(void)
{
    if (sp_sodium_init() != SP_OK)
        return 1;
    crypto = sp_sodium_crypto();
    RUN_TEST(test_vectors);
    return harness_finish("merkle_vectors");
}

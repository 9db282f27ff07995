/*
 * signing.c -- adding signature lines, the signing record (equivocation guard), collecting
 * (signing.h).
 *
 * All parsing is the verifier's: notes through sp_note_parse, statements through
 * sp_statement_parse / sp_statement_verify, cosigned messages through
 * sp_cosignature_message, so a signer and a device can never disagree about what a text
 * says or what a signature covers.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "softpause/checkpoint.h"
#include "softpause/encoding.h"
#include "softpause/host/fileio.h"
#include "softpause/host/signing.h"
#include "softpause/host/sodium_crypto.h"
#include "softpause/note.h"
#include "softpause/update.h"

static const uint8_t em_dash_space[4] = {0xE2, 0x80, 0x94, ' '};

/* Append bytes to out[*pos..cap). */
static sp_err put(uint8_t *out, size_t cap, size_t *pos, const void *p, size_t n)
{
    if (n > cap - *pos)
        return SP_ERR_NOTE_TOO_LARGE;
    memcpy(out + *pos, p, n);
    *pos += n;
    return SP_OK;
}

/* Write "— name base64(key ID || prefix || Ed25519 signature of msg)\n": a note signature
 * line (no prefix, msg = the note text) or a cosignature/v1 line (prefix = the 8-byte
 * timestamp, msg = the cosigned message). */
static sp_err put_sig_line(const sp_signer_key *key, const uint8_t *prefix, size_t prefix_len,
                           const uint8_t *msg, size_t msg_len, uint8_t *out, size_t cap,
                           size_t *pos)
{
    uint8_t payload[4 + 8 + 64];
    char b64[SP_BASE64_ENCODED_LEN(sizeof payload)];
    size_t b64_len, n = 4 + prefix_len;
    sp_err e;
    if (prefix_len > 8)
        return SP_ERR_ARGUMENT;
    payload[0] = (uint8_t)(key->pub.key_id >> 24);
    payload[1] = (uint8_t)(key->pub.key_id >> 16);
    payload[2] = (uint8_t)(key->pub.key_id >> 8);
    payload[3] = (uint8_t)key->pub.key_id;
    if (prefix_len > 0)
        memcpy(payload + 4, prefix, prefix_len);
    if (crypto_sign_detached(payload + n, NULL, msg, msg_len, key->sk) != 0)
        return SP_ERR_CRYPTO;
    n += 64;
    if ((e = sp_base64_encode(b64, sizeof b64, &b64_len, payload, n)) != SP_OK)
        return e;
    if ((e = put(out, cap, pos, em_dash_space, sizeof em_dash_space)) != SP_OK ||
        (e = put(out, cap, pos, key->pub.name, key->pub.name_len)) != SP_OK ||
        (e = put(out, cap, pos, " ", 1)) != SP_OK ||
        (e = put(out, cap, pos, b64, b64_len)) != SP_OK)
        return e;
    return put(out, cap, pos, "\n", 1);
}

static sp_err put_signature_line(const sp_signer_key *key, const uint8_t *text, size_t text_len,
                                 uint8_t *out, size_t cap, size_t *pos)
{
    return put_sig_line(key, NULL, 0, text, text_len, out, cap, pos);
}

sp_err sp_cosignature_line(const sp_signer_key *key, uint64_t timestamp, const uint8_t *text,
                           size_t text_len, uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t msg[SP_MAX_COSIGNED_MESSAGE_BYTES], ts[8];
    size_t msg_len = 0;
    sp_err e;
    *out_len = 0;
    if (key->pub.alg != SP_KEY_ALG_COSIGNER)
        return SP_ERR_KEY_ALGORITHM;
    if (timestamp == 0)
        return SP_ERR_COSIG_TIME_ZERO;
    if (timestamp >= SP_COSIG_TIME_LIMIT)
        return SP_ERR_COSIG_TIME_RANGE;
    if ((e = sp_cosignature_message(msg, sizeof msg, &msg_len, timestamp, text, text_len)) !=
        SP_OK)
        return e;
    for (int b = 0; b < 8; b++)
        ts[b] = (uint8_t)(timestamp >> (56 - 8 * b)); /* u64, big-endian */
    return put_sig_line(key, ts, sizeof ts, msg, msg_len, out, cap, out_len);
}

/* Does the input end in a signature block: a blank line followed by lines that start like
 * signature lines (the em dash, or an ASCII '-' that the parser will refuse by name)?  If
 * not, the input is a plain text to be signed. */
static int has_signature_block(const uint8_t *p, size_t n)
{
    size_t i = n;
    while (i >= 2 && !(p[i - 1] == '\n' && p[i - 2] == '\n'))
        i--;
    if (i < 2 || i >= n)
        return 0;
    return p[i] == '-' || (n - i >= 3 && p[i] == 0xE2 && p[i + 1] == 0x80 && p[i + 2] == 0x94);
}

sp_err sp_note_add_signature(const sp_signer_key *key, const uint8_t *in, size_t in_len,
                             int as_text, uint8_t *out, size_t cap, size_t *out_len,
                             size_t *text_len, uint32_t *err_line)
{
    sp_note note; /* about 1 KiB: fine on a host stack, and keeps the function reentrant */
    size_t pos = 0;
    int replaced = 0;
    sp_err e;

    *out_len = 0;
    *text_len = 0;
    if (err_line != NULL)
        *err_line = 0;
    if (key->pub.alg != 0 && key->pub.alg != SP_KEY_ALG_ED25519)
        return SP_ERR_KEY_ALGORITHM; /* a witness key cosigns checkpoints, nothing else */
    if (as_text || !has_signature_block(in, in_len)) {
        if ((e = sp_note_text_check(in, in_len, err_line)) != SP_OK)
            return e;
        if ((e = put(out, cap, &pos, in, in_len)) != SP_OK ||
            (e = put(out, cap, &pos, "\n", 1)) != SP_OK ||
            (e = put_signature_line(key, in, in_len, out, cap, &pos)) != SP_OK)
            return e;
        *text_len = in_len;
    } else {
        if ((e = sp_note_parse(&note, in, in_len, err_line)) != SP_OK)
            return e;
        if ((e = put(out, cap, &pos, in, note.text_len + 1)) != SP_OK)
            return e;
        for (uint32_t i = 0; i < note.sig_count; i++) {
            const sp_note_sig *s = &note.sigs[i];
            int mine = s->key_id == key->pub.key_id && s->name_len == key->pub.name_len &&
                       memcmp(in + s->name_offset, key->pub.name, s->name_len) == 0;
            if (mine && replaced)
                continue; /* one line per key: later repeats of our own line are dropped */
            if (mine) {
                e = put_signature_line(key, in, note.text_len, out, cap, &pos);
                replaced = 1;
            } else {
                e = put(out, cap, &pos, in + s->line_offset, s->line_len + 1u);
            }
            if (e != SP_OK)
                return e;
        }
        if (!replaced && (e = put_signature_line(key, in, note.text_len, out, cap, &pos)) != SP_OK)
            return e;
        *text_len = note.text_len;
    }
    if (pos > SP_MAX_NOTE_BYTES)
        return SP_ERR_NOTE_TOO_LARGE;
    /* The result must itself be a valid note: re-parse it (catches too many lines). */
    if ((e = sp_note_parse(&note, out, pos, err_line)) != SP_OK)
        return e;
    *out_len = pos;
    return SP_OK;
}

/* ---- the signing record -------------------------------------------------------------- */

#define RECORD_MAGIC "softpause-signing-record/v1\n"
/* A record holds the last text signed: a statement or a policy update (a whole note's text,
 * the new policy included), so it is sized for the largest note. */
#define RECORD_CAP (SP_MAX_NOTE_BYTES + 128)

static const char *type_name(uint32_t type)
{
    return type == SP_STMT_POLICY_UPDATE ? "policy-update" : "authorisation";
}

static sp_err path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    return n < 0 || (size_t)n >= cap ? sp_file_fail(ENAMETOOLONG) : SP_OK;
}

sp_err sp_signing_state_dir(const char *explicit_dir, char *out, size_t cap, const char **why)
{
    const char *env;
    struct stat st;
    int n;

    *why = NULL;
    if (cap == 0)
        return SP_ERR_ARGUMENT;
    out[0] = '\0';
    if (explicit_dir != NULL)
        n = snprintf(out, cap, "%s", explicit_dir);
    else if ((env = getenv("SOFTPAUSE_STATE_DIR")) != NULL && env[0] != '\0')
        n = snprintf(out, cap, "%s", env);
    else if ((env = getenv("XDG_STATE_HOME")) != NULL && env[0] == '/') /* XDG: absolute only */
        n = snprintf(out, cap, "%s/softpause", env);
    else if ((env = getenv("HOME")) != NULL && env[0] == '/')
        n = snprintf(out, cap, "%s/.local/state/softpause", env);
    else {
        *why = "no state directory: give --state-dir DIR or set SOFTPAUSE_STATE_DIR or HOME";
        return sp_file_fail(ENOENT);
    }
    if (n <= 0 || (size_t)n >= cap) {
        *why = n <= 0 ? "the state directory's name is empty" : "state directory name too long";
        return sp_file_fail(n <= 0 ? EINVAL : ENAMETOOLONG);
    }
    /* The directory's own entry is what lstat must see: "DIR/", "DIR/." and "DIR/./" name
     * DIR, so they are trimmed to it (else a symbolic link DIR would be followed through
     * them); a name ending in ".." names some other directory's entry, so it is refused. */
    for (;;) {
        while (n > 1 && out[n - 1] == '/')
            out[--n] = '\0';
        if (n > 2 && out[n - 1] == '.' && out[n - 2] == '/')
            out[n -= 2] = '\0';
        else
            break;
    }
    if ((n == 2 && strcmp(out, "..") == 0) || (n > 2 && strcmp(out + n - 3, "/..") == 0)) {
        *why = "the state directory's name ends in '..' (give its real path)";
        return sp_file_fail(EINVAL);
    }
    int existed = lstat(out, &st) == 0;
    if (!existed) {
        /* Created 0700 with its missing parents; its entry in the parent is made durable,
         * or a crash could lose every record written into it. */
        char parent[SP_SIGN_PATH_MAX];
        if (sp_file_make_dirs(out, 0700) != SP_OK) {
            *why = "cannot create the state directory";
            return SP_ERR_IO;
        }
        snprintf(parent, sizeof parent, "%s", out);
        char *slash = strrchr(parent, '/');
        if (slash == parent)
            slash[1] = '\0';
        else if (slash != NULL)
            *slash = '\0';
        else
            snprintf(parent, sizeof parent, ".");
        int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
            sp_err e = sp_file_fail(errno);
            if (fd >= 0)
                close(fd);
            *why = "cannot make the new state directory durable";
            return e;
        }
        close(fd);
        if (lstat(out, &st) != 0) {
            *why = "cannot examine the state directory";
            return sp_file_fail(errno);
        }
    }
    if (S_ISLNK(st.st_mode)) {
        *why = "the state directory is a symbolic link (give its real path)";
        return sp_file_fail(ELOOP);
    }
    if (!S_ISDIR(st.st_mode)) {
        *why = "the state directory is not a directory";
        return sp_file_fail(ENOTDIR);
    }
    if (st.st_uid != geteuid()) {
        *why = "the state directory is owned by another user";
        return sp_file_fail(EPERM);
    }
    if ((st.st_mode & 022) != 0) {
        *why = "the state directory is writable by group or others (chmod 700 it)";
        return sp_file_fail(EPERM);
    }
    return SP_OK;
}

/* The 16-hex suffix for (deployment, type): the first 8 bytes of SHA-256("softpause/
 * signing-record\n" || deployment || "\n" || type).  A hash keeps the name short and the
 * mapping injective. */
static void record_suffix(const sp_statement *st, char hex[17])
{
    static const char domain[] = "softpause/signing-record\n";
    const char *type = type_name(st->type);
    crypto_hash_sha256_state h;
    uint8_t digest[32];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const uint8_t *)domain, sizeof domain - 1);
    crypto_hash_sha256_update(&h, (const uint8_t *)st->deployment, strlen(st->deployment));
    crypto_hash_sha256_update(&h, (const uint8_t *)"\n", 1);
    crypto_hash_sha256_update(&h, (const uint8_t *)type, strlen(type));
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(hex, 17, digest, 8);
}

/* "<state dir>/<SHA-256 hex of the verifier key text>.<suffix>.signed". */
static sp_err record_path_for(const char *state_dir, const sp_vkey *key, const sp_statement *st,
                              char *out, size_t cap)
{
    char vkey[SP_MAX_VKEY_TEXT], key_hex[65], suffix[17];
    uint8_t digest[32];
    size_t vl = 0;
    sp_err e = sp_vkey_format(key, vkey, sizeof vkey, &vl);
    if (e != SP_OK)
        return e;
    crypto_hash_sha256(digest, (const uint8_t *)vkey, vl);
    sodium_bin2hex(key_hex, sizeof key_hex, digest, sizeof digest);
    record_suffix(st, suffix);
    int n = snprintf(out, cap, "%s/%s.%s.signed", state_dir, key_hex, suffix);
    return n < 0 || (size_t)n >= cap ? sp_file_fail(ENAMETOOLONG) : SP_OK;
}

/* The record earlier versions kept beside the key: "<key path without .key>.<suffix>.signed". */
static sp_err legacy_path_for(const char *key_path, const sp_statement *st, char *out,
                              size_t cap)
{
    char suffix[17];
    size_t kl = strlen(key_path);
    record_suffix(st, suffix);
    if (kl > 4 && strcmp(key_path + kl - 4, ".key") == 0)
        kl -= 4;
    int n = snprintf(out, cap, "%.*s.%s.signed", (int)kl, key_path, suffix);
    return n < 0 || (size_t)n >= cap ? sp_file_fail(ENAMETOOLONG) : SP_OK;
}

/* One record as read: found or not; the epoch and the text last signed (into buf). */
typedef struct record {
    int found;
    uint64_t epoch;
    const uint8_t *text;
    size_t text_len;
    uint8_t buf[RECORD_CAP];
} record;

/* What the record guards of a text: an authorisation statement as parsed, or a policy
 * update as (deployment, type SP_STMT_POLICY_UPDATE, epoch = its version, policy = the
 * current policy's hash).  0: neither, the text is signed unrecorded. */
static int guarded_text(sp_statement *st, const uint8_t *text, size_t len)
{
    sp_update u;
    if (sp_statement_parse(st, text, len, NULL) == SP_OK)
        return 1;
    memset(st, 0, sizeof *st);
    if (sp_update_parse(&u, text, len, NULL) != SP_OK)
        return 0;
    st->type = SP_STMT_POLICY_UPDATE;
    memcpy(st->deployment, u.deployment, sizeof st->deployment);
    memcpy(st->policy_hash, u.policy_hash, sizeof st->policy_hash);
    st->epoch = u.version;
    return 1;
}

/* Read and parse a record; a missing file is found = 0, anything else unreadable or
 * malformed is an error (fail closed: a record is never "repaired"). */
static sp_err record_read(const char *path, record *r)
{
    static const size_t ml = sizeof RECORD_MAGIC - 1;
    size_t len, p = ml, q;
    r->found = 0;
    sp_err e = sp_file_read(path, r->buf, sizeof r->buf, &len);
    if (e == SP_ERR_IO && !sp_file_exists(path))
        return SP_OK;
    if (e != SP_OK)
        return e == SP_ERR_BUFFER_TOO_SMALL ? SP_ERR_FILE_FORMAT : e;
    if (len < ml + 8 || memcmp(r->buf, RECORD_MAGIC, ml) != 0 ||
        memcmp(r->buf + p, "epoch ", 6) != 0)
        return SP_ERR_FILE_FORMAT;
    p += 6;
    for (q = p; q < len && r->buf[q] != '\n'; q++)
        ;
    if (q >= len || sp_decimal_parse(&r->epoch, (const char *)r->buf + p, q - p,
                                     SP_MAX_EPOCH) != SP_OK)
        return SP_ERR_FILE_FORMAT;
    r->found = 1;
    r->text = r->buf + q + 1;
    r->text_len = len - (q + 1);
    return SP_OK;
}

static sp_err record_write(const char *path, uint64_t epoch, const uint8_t *text, size_t len)
{
    uint8_t rec[RECORD_CAP];
    int n = snprintf((char *)rec, sizeof rec, RECORD_MAGIC "epoch %llu\n",
                     (unsigned long long)epoch);
    if (n < 0 || (size_t)n + len > sizeof rec)
        return SP_ERR_BUFFER_TOO_SMALL;
    memcpy(rec + n, text, len);
    return sp_file_write_atomic(path, rec, (size_t)n + len, 0600, 1);
}

/* Merge an old record beside the key into r (the higher epoch wins; on a tie the state
 * directory's record stays).  *taken = 1 if it replaced r. */
static sp_err merge_legacy(const char *path, record *r, record *tmp, int *taken)
{
    sp_err e = record_read(path, tmp);
    *taken = 0;
    if (e != SP_OK || !tmp->found || (r->found && tmp->epoch <= r->epoch))
        return e;
    *r = *tmp;
    r->text = r->buf + (tmp->text - tmp->buf);
    *taken = 1;
    return SP_OK;
}

/* Across a policy update (protocol.md section 9): the authorisation signed for an epoch
 * under one policy may be signed again for that epoch under another with the identical
 * mode line -- both canonical texts then differ only in their policy line -- so devices
 * on either side of the update run the same mode.  Any other mode is equivocation. */
static int same_epoch_other_policy(const sp_statement *was, const sp_statement *now)
{
    return was->type == SP_STMT_AUTHORISATION && now->type == SP_STMT_AUTHORISATION &&
           was->epoch == now->epoch && was->start == now->start && was->mode == now->mode &&
           was->permille == now->permille &&
           strcmp(was->deployment, now->deployment) == 0 &&
           memcmp(was->policy_hash, now->policy_hash, SP_SHA256_BYTES) != 0;
}

/* Check and record, the lock held.  rep->record_path is set by the caller. */
static sp_err check_and_record(const sp_sign_guard *g, const uint8_t *text, size_t text_len,
                               sp_sign_report *rep)
{
    record cur, tmp;
    char legacy[2][SP_SIGN_PATH_MAX], real[SP_SIGN_PATH_MAX];
    const char *where[2] = {NULL, NULL};
    int taken;
    sp_err e;

    if ((e = record_read(rep->record_path, &cur)) != SP_OK)
        return e;
    /* Old records: beside the key path as given, and beside the file it resolves to. */
    if (g->key_path != NULL) {
        if (legacy_path_for(g->key_path, &rep->statement, legacy[0], sizeof legacy[0]) == SP_OK)
            where[0] = legacy[0];
        if (realpath(g->key_path, real) != NULL && strcmp(real, g->key_path) != 0 &&
            legacy_path_for(real, &rep->statement, legacy[1], sizeof legacy[1]) == SP_OK)
            where[1] = legacy[1];
    }
    for (int i = 0; i < 2; i++) {
        if (where[i] == NULL)
            continue;
        if ((e = merge_legacy(where[i], &cur, &tmp, &taken)) != SP_OK) {
            snprintf(rep->record_path, sizeof rep->record_path, "%s", where[i]);
            return e;
        }
        if (taken)
            snprintf(rep->migrated_from, sizeof rep->migrated_from, "%s", where[i]);
    }
    if (rep->migrated_from[0] != '\0' &&
        (e = record_write(rep->record_path, cur.epoch, cur.text, cur.text_len)) != SP_OK)
        return e;
    if (cur.found) {
        int same = cur.epoch == rep->statement.epoch && cur.text_len == text_len &&
                   memcmp(cur.text, text, text_len) == 0;
        if (same)
            return SP_OK;
        if (rep->statement.epoch <= cur.epoch) {
            if (!guarded_text(&rep->recorded, cur.text, cur.text_len) ||
                rep->recorded.type != rep->statement.type)
                return SP_ERR_FILE_FORMAT;
            if (!same_epoch_other_policy(&rep->recorded, &rep->statement))
                return SP_ERR_EQUIVOCATION;
        }
    }
    return record_write(rep->record_path, rep->statement.epoch, text, text_len);
}

/* The previous key's records (each type, this deployment) into this key's, where ahead. */
static sp_err import_previous(const sp_signer_key *key, const sp_sign_guard *g,
                              sp_sign_report *rep)
{
    sp_statement st = rep->statement;
    char from_path[SP_SIGN_PATH_MAX], to_path[SP_SIGN_PATH_MAX];
    record *from = malloc(sizeof *from), *to = malloc(sizeof *to);
    sp_err e = from != NULL && to != NULL ? SP_OK : sp_file_fail(ENOMEM);
    for (uint32_t t = SP_STMT_AUTHORISATION; e == SP_OK && t <= SP_STMT_POLICY_UPDATE; t++) {
        st.type = t;
        if ((e = record_path_for(rep->state_dir, g->previous_key, &st, from_path,
                                 sizeof from_path)) != SP_OK ||
            (e = record_path_for(rep->state_dir, &key->pub, &st, to_path, sizeof to_path)) !=
                SP_OK ||
            (e = record_read(from_path, from)) != SP_OK ||
            (e = record_read(to_path, to)) != SP_OK)
            break;
        if (from->found && (!to->found || from->epoch > to->epoch)) {
            e = record_write(to_path, from->epoch, from->text, from->text_len);
            rep->imported++;
        }
    }
    free(from);
    free(to);
    return e;
}

static sp_err guard(const sp_signer_key *key, const sp_sign_guard *g, const uint8_t *text,
                    size_t text_len, sp_sign_report *rep)
{
    const sp_statement *st = &rep->statement;
    char lock_path[SP_SIGN_PATH_MAX];
    sp_err e;

    /* Policy-update texts are not subject to the clock: only authorisations are. */
    if (st->type == SP_STMT_AUTHORISATION && g->max_ahead != UINT64_MAX &&
        st->start > g->now && st->start - g->now > g->max_ahead)
        return SP_ERR_SIGN_FUTURE;
    if ((e = sp_signing_state_dir(g->state_dir, rep->state_dir, sizeof rep->state_dir,
                                  &rep->why)) != SP_OK)
        return e;
    if ((e = record_path_for(rep->state_dir, &key->pub, st, rep->record_path,
                             sizeof rep->record_path)) != SP_OK ||
        (e = path_join(lock_path, sizeof lock_path, rep->state_dir, SP_SIGN_LOCK_FILE)) != SP_OK)
        return e;
    /* A failure here is the lock file's (read-only or full storage, a link in its place),
     * not the record's: rep->why says so, and no record is named. */
    int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rep->record_path[0] = '\0';
        rep->why = "cannot create or open its lock file " SP_SIGN_LOCK_FILE;
        return sp_file_fail(errno);
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            e = sp_file_fail(errno);
            close(fd);
            rep->record_path[0] = '\0';
            rep->why = "cannot lock its lock file " SP_SIGN_LOCK_FILE;
            return e;
        }
    }
    e = g->previous_key != NULL ? import_previous(key, g, rep) : SP_OK;
    if (e == SP_OK)
        e = check_and_record(g, text, text_len, rep);
    close(fd); /* releases the lock, once the record is durable */
    return e;
}

sp_err sp_note_sign_guarded(const sp_signer_key *key, const sp_sign_guard *g,
                            const uint8_t *in, size_t in_len, int as_text, uint8_t *out,
                            size_t cap, size_t *out_len, size_t *text_len, sp_sign_report *rep,
                            uint32_t *err_line)
{
    size_t len = 0;
    memset(rep, 0, sizeof *rep);
    *out_len = 0;
    sp_err e = sp_note_add_signature(key, in, in_len, as_text, out, cap, &len, text_len,
                                     err_line);
    if (e != SP_OK)
        return e;
    /* The signature is in out but not yet handed over: it is released only once the
     * record says this key signed this text. */
    if (guarded_text(&rep->statement, out, *text_len)) {
        rep->is_statement = 1;
        e = guard(key, g, out, *text_len, rep);
    }
    if (e != SP_OK) {
        sodium_memzero(out, len);
        *text_len = 0;
        return e;
    }
    *out_len = len;
    return SP_OK;
}

/* ---- collect ------------------------------------------------------------------------ */

/* Index of the policy signer with this line's name and key ID, or -1. */
static int signer_of_line(const sp_policy *policy, const sp_note *note, const sp_note_sig *s)
{
    for (uint32_t i = 0; i < policy->signer_count; i++) {
        const sp_vkey *k = &policy->signers[i].key;
        if (k->key_id == s->key_id && k->name_len == s->name_len &&
            memcmp(k->name, note->bytes + s->name_offset, s->name_len) == 0)
            return (int)i;
    }
    return -1;
}

/* What one signed copy says of each of its lines: the note, and per line 0 (not a policy
 * key), 1 (a policy key, signature invalid) or 2 (valid: key[l] is its public key). */
typedef struct collect_lines {
    sp_note note;
    uint8_t verdict[SP_MAX_SIG_LINES];
    const uint8_t *key[SP_MAX_SIG_LINES];
} collect_lines;

/* Verify one copy (a shortfall of the quorum is expected: that is what collect is for). */
typedef sp_err (*collect_check)(const void *ctx, const uint8_t *bytes, size_t len,
                                collect_lines *cl, uint32_t *err_line);

/* One policy's verdict on line l (by its report), into cl; 1 if it names a valid key. */
static int line_verdict(const sp_policy *policy, const sp_quorum_report *r, uint32_t l,
                        collect_lines *cl)
{
    uint8_t status = r->line_status[l];
    if (status == SP_LINE_INVALID && cl->verdict[l] == 0)
        cl->verdict[l] = 1;
    if (status != SP_LINE_VERIFIED && status != SP_LINE_DUPLICATE)
        return 0;
    int who = signer_of_line(policy, &cl->note, &cl->note.sigs[l]);
    if (who < 0)
        return 0;
    cl->verdict[l] = 2;
    cl->key[l] = policy->signers[who].key.public_key;
    return 1;
}

static sp_err check_statement_copy(const void *ctx, const uint8_t *bytes, size_t len,
                                   collect_lines *cl, uint32_t *err_line)
{
    const sp_policy *policy = ctx;
    sp_quorum_report report;
    sp_statement st;
    sp_err e = sp_statement_verify(policy, bytes, len, sp_sodium_crypto(), &cl->note, &st,
                                   &report, err_line);
    if (e != SP_OK && e != SP_ERR_QUORUM_NOT_MET && e != SP_ERR_QUORUM_KEY_COUNTED_TWICE)
        return e;
    for (uint32_t l = 0; l < cl->note.sig_count; l++)
        (void)line_verdict(policy, &report, l, cl);
    return SP_OK;
}

static sp_err check_update_copy(const void *ctx, const uint8_t *bytes, size_t len,
                                collect_lines *cl, uint32_t *err_line)
{
    static sp_update_result res; /* the new policy: too large for a comfortable frame */
    const sp_policy *current = ctx;
    sp_update_report report;
    sp_err e = sp_update_verify(current, bytes, len, sp_sodium_crypto(), &cl->note, &res,
                                &report, err_line);
    if (e != SP_OK && e != SP_ERR_UPDATE_OLD_QUORUM && e != SP_ERR_UPDATE_NEW_QUORUM &&
        e != SP_ERR_QUORUM_KEY_COUNTED_TWICE && e != SP_ERR_UPDATE_UNSIGNED_KEY)
        return e;
    /* Steps 2-8 passed, so the carried policy is in the note: parse it again for its keys
     * (sp_update_verify zeroes *out on a signature shortfall). */
    uint32_t pl = 0;
    sp_update u;
    if ((e = sp_update_parse(&u, cl->note.bytes, cl->note.text_len, NULL)) != SP_OK ||
        (e = sp_policy_parse(&res.policy, cl->note.bytes + u.policy_offset, u.policy_len,
                             sp_sodium_crypto(), &pl)) != SP_OK)
        return e;
    for (uint32_t l = 0; l < cl->note.sig_count; l++)
        if (!line_verdict(current, &report.current, l, cl))
            (void)line_verdict(&res.policy, &report.next, l, cl);
    return SP_OK;
}

/* Merge the copies: the same text, valid lines only, one per distinct public key. */
static sp_err collect_copies(collect_check check, const void *ctx, const uint8_t *const *notes,
                             const size_t *lens, size_t n, uint8_t *out, size_t cap,
                             size_t *out_len, sp_collect_result *result, size_t *bad_input,
                             uint32_t *err_line)
{
    static collect_lines cl;
    uint8_t have_keys[2 * SP_MAX_SIGNERS][32];
    uint32_t nkeys = 0;
    size_t pos = 0, text_len = 0;
    sp_err e;

    memset(result, 0, sizeof *result);
    *out_len = 0;
    *bad_input = 0;
    if (n == 0)
        return SP_ERR_ARGUMENT;
    for (size_t i = 0; i < n; i++) {
        *bad_input = i;
        memset(&cl, 0, sizeof cl);
        if ((e = check(ctx, notes[i], lens[i], &cl, err_line)) != SP_OK)
            return e;
        if (i == 0) {
            text_len = cl.note.text_len;
            if ((e = put(out, cap, &pos, notes[0], text_len + 1)) != SP_OK)
                return e;
        } else if (cl.note.text_len != text_len || memcmp(notes[i], notes[0], text_len) != 0) {
            return SP_ERR_COLLECT_MISMATCH;
        }
        for (uint32_t l = 0; l < cl.note.sig_count; l++) {
            const sp_note_sig *s = &cl.note.sigs[l];
            if (cl.verdict[l] == 0) {
                result->unknown++;
                continue;
            }
            if (cl.verdict[l] == 1) {
                result->invalid++;
                continue;
            }
            int dup = 0;
            for (uint32_t k = 0; k < nkeys; k++)
                dup |= memcmp(have_keys[k], cl.key[l], 32) == 0;
            if (dup || nkeys == 2 * SP_MAX_SIGNERS) {
                result->duplicates++;
                continue;
            }
            memcpy(have_keys[nkeys++], cl.key[l], 32);
            if ((e = put(out, cap, &pos, notes[i] + s->line_offset, s->line_len + 1u)) != SP_OK)
                return e;
            result->merged++;
        }
    }
    *bad_input = 0;
    if (result->merged == 0)
        return SP_ERR_NOTE_UNVERIFIED;
    *out_len = pos;
    return SP_OK;
}

sp_err sp_collect(const sp_policy *policy, const uint8_t *const *notes, const size_t *lens,
                  size_t n, uint8_t *out, size_t cap, size_t *out_len, sp_collect_result *result,
                  size_t *bad_input, uint32_t *err_line)
{
    return collect_copies(check_statement_copy, policy, notes, lens, n, out, cap, out_len,
                          result, bad_input, err_line);
}

sp_err sp_update_collect(const sp_policy *current, const uint8_t *const *notes,
                         const size_t *lens, size_t n, uint8_t *out, size_t cap, size_t *out_len,
                         sp_collect_result *result, size_t *bad_input, uint32_t *err_line)
{
    return collect_copies(check_update_copy, current, notes, lens, n, out, cap, out_len,
                          result, bad_input, err_line);
}

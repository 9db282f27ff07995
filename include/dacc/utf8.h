/*
 * utf8.h -- UTF-8 decoding for host code: the one decoder the CSV reader, the JSON and SVG
 * writers and the softpause commands' escaping of untrusted names share.
 *
 * Well-formed UTF-8 is RFC 3629: shortest form only, no surrogates (U+D800..U+DFFF),
 * nothing above U+10FFFF.  Not for the freestanding verifier.
 */
#ifndef DACC_UTF8_H
#define DACC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one character from s[0..n): returns its length (1..4) with *cp set, or 0 when
 * the bytes there are not well-formed UTF-8 (n == 0, a stray continuation byte, an
 * overlong form, a surrogate, a value above U+10FFFF, or a sequence cut short by n). */
size_t dacc_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* How many more bytes the sequence begun in s[0..n) needs to be complete (1..3), or 0
 * when s[0..n) is complete or already malformed: lets a streaming reader stop before a
 * character cut by its buffer. */
size_t dacc_utf8_incomplete(const unsigned char *s, size_t n);

/* Characters a person should not see raw in a name: C0 and C1 controls, DEL, and the
 * bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069)
 * that can make a name display as another. */
int dacc_utf8_is_unsafe(uint32_t cp);

/* s[0..n) made safe to show a person, into out (cap >= 4 bytes, NUL-terminated): well-formed
 * UTF-8 that is not unsafe passes as is; a backslash is doubled; an unsafe character
 * (dacc_utf8_is_unsafe) becomes \uXXXX; each byte that is not well-formed UTF-8 becomes
 * \xHH.  Cut on a character boundary, ending "...", when out is too small.  The one
 * escaping of untrusted names (key names, signature lines, file names) in text output;
 * the JSON writer escapes the same characters its own way.  Returns out. */
char *dacc_utf8_escape(char *out, size_t cap, const char *s, size_t n);

/* Characters XML 1.0 allows: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF]. */
int dacc_utf8_xml_char(uint32_t cp);

#endif

// Command gonote is the Go half of the signed-note differential test (tests/interop/run.sh).
// It uses golang.org/x/mod/sumdb/note, the reference implementation, and talks to the C
// driver (tests/interop/cnote.c) only through files in a work directory.
//
//	gonote keygen DIR            write DIR/go.keys: "skey vkey" lines made by note.GenerateKey
//	gonote check DIR             parse C's keys, open C's signed note, write DIR/go-signed.note
//	gonote vectors VECDIR        check the go_result column of VECDIR/open.txt against Go
//	gonote gen DIR SEED N        write DIR/cases.bin: N mutated notes, each with a key set
//	gonote compare DIR           open every case in Go, compare with DIR/c.results
//
// Any disagreement between Go and C fails the run unless it is one of the expected,
// classified divergences listed in classify() below (each one a case where C is stricter
// by design; see the comment block at the top of src/verifier/note.c).
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Limits of the C verifier (include/softpause/config.h defaults).
const (
	cMaxNoteBytes = 16384
	cMaxLineBytes = 1024
	cMaxSigLines  = 32
	cMaxNameBytes = 128
	cMaxSigBytes  = 256
)

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gonote: "+format+"\n", args...)
	os.Exit(1)
}

// detReader is a deterministic byte stream for note.GenerateKey (seeded, reproducible).
type detReader struct{ r *rand.Rand }

func (d detReader) Read(p []byte) (int, error) { return d.r.Read(p) }

type keyPair struct{ skey, vkey string }

func readKeys(path string) []keyPair {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	var out []keyPair
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			out = append(out, keyPair{f[0], f[1]})
		}
	}
	return out
}

func keygen(dir string) {
	r := detReader{rand.New(rand.NewSource(20250105))}
	var b strings.Builder
	for _, name := range []string{"go.example/civil", "go.example/military", "g\u00f6.example/\u00e9"} {
		skey, vkey, err := note.GenerateKey(r, name)
		if err != nil {
			die("GenerateKey: %v", err)
		}
		fmt.Fprintf(&b, "%s %s\n", skey, vkey)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.keys"), []byte(b.String()), 0o644); err != nil {
		die("%v", err)
	}
}

func allKeys(dir string) []keyPair {
	return append(readKeys(filepath.Join(dir, "go.keys")), readKeys(filepath.Join(dir, "c.keys"))...)
}

func verifiersAndSigners(keys []keyPair) ([]note.Verifier, []note.Signer) {
	var vs []note.Verifier
	var ss []note.Signer
	for _, k := range keys {
		v, err := note.NewVerifier(k.vkey)
		if err != nil {
			die("NewVerifier(%q): %v", k.vkey, err)
		}
		s, err := note.NewSigner(k.skey)
		if err != nil {
			die("NewSigner(%q): %v", k.skey, err)
		}
		if v.Name() != s.Name() || v.KeyHash() != s.KeyHash() {
			die("signer and verifier key disagree for %s", v.Name())
		}
		vs = append(vs, v)
		ss = append(ss, s)
	}
	return vs, ss
}

// check: C's keys parse in Go, C's signatures verify in Go, and Go signs a note for C.
func check(dir string) {
	keys := allKeys(dir)
	vs, ss := verifiersAndSigners(keys)
	msg, err := os.ReadFile(filepath.Join(dir, "c-signed.note"))
	if err != nil {
		die("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	if err != nil {
		die("Go cannot open the note C signed: %v", err)
	}
	if len(n.Sigs) != len(keys) {
		die("Go verified %d of %d signatures on C's note", len(n.Sigs), len(keys))
	}
	out, err := note.Sign(&note.Note{Text: "signed by Go\nfor the C verifier\n"}, ss...)
	if err != nil {
		die("Sign: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go-signed.note"), out, 0o644); err != nil {
		die("%v", err)
	}
	fmt.Printf("go: %d C-made keys parse, %d signatures from C verify\n", len(keys)-3, len(n.Sigs))
}

// vectors: Go's own outcome for each row of tests/vectors/note/open.txt.
func vectors(vecdir string) {
	labels := map[string]string{}
	for _, line := range strings.Split(string(mustRead(filepath.Join(vecdir, "keys.txt"))), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") && strings.HasSuffix(f[0], ".vkey") {
			labels[strings.TrimSuffix(f[0], ".vkey")] = f[1]
		}
	}
	rows, bad := 0, 0
	for _, line := range strings.Split(string(mustRead(filepath.Join(vecdir, "open.txt"))), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || strings.HasPrefix(f[0], "#") {
			continue
		}
		rows++
		var vs []note.Verifier
		if f[1] != "-" {
			for _, l := range strings.Split(f[1], ",") {
				v, err := note.NewVerifier(labels[l])
				if err != nil {
					die("vector key %s: %v", l, err)
				}
				vs = append(vs, v)
			}
		}
		n, err := note.Open(mustRead(filepath.Join(vecdir, f[0])), note.VerifierList(vs...))
		got := "ok"
		switch err.(type) {
		case nil:
		case *note.UnverifiedNoteError:
			got = "unverified"
		case *note.InvalidSignatureError:
			got = "invalid-sig"
		default:
			if strings.HasPrefix(err.Error(), "ambiguous key") {
				got = "ambiguous"
			} else if err.Error() == "malformed note" {
				got = "malformed"
			} else {
				got = err.Error()
			}
		}
		names := "-"
		if err == nil {
			var l []string
			for _, s := range n.Sigs {
				l = append(l, s.Name)
			}
			names = strings.Join(l, ",")
		}
		if got != f[3] || names != f[4] {
			fmt.Printf("vector %s keys %s: Go says %s %s, manifest says %s %s\n", f[0], f[1], got, names, f[3], f[4])
			bad++
		}
	}
	if bad != 0 || rows == 0 {
		die("%d of %d vector rows disagree with Go", bad, rows)
	}
	fmt.Printf("go: %d vector rows match Go's note.Open\n", rows)
}

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	return b
}

// ---- the mutation corpus ------------------------------------------------------------

type testCase struct {
	keys []string // verifier keys, in VerifierList order (may repeat: ambiguity)
	msg  []byte
}

func writeCases(path string, cases []testCase) {
	var b bytes.Buffer
	for _, c := range cases {
		binary.Write(&b, binary.BigEndian, uint32(len(c.keys)))
		for _, k := range c.keys {
			binary.Write(&b, binary.BigEndian, uint32(len(k)))
			b.WriteString(k)
		}
		binary.Write(&b, binary.BigEndian, uint32(len(c.msg)))
		b.Write(c.msg)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		die("%v", err)
	}
}

func readCases(path string) []testCase {
	r := bytes.NewReader(mustRead(path))
	var out []testCase
	u32 := func() (uint32, error) {
		var v uint32
		err := binary.Read(r, binary.BigEndian, &v)
		return v, err
	}
	for {
		nk, err := u32()
		if err == io.EOF {
			return out
		}
		if err != nil {
			die("cases: %v", err)
		}
		var c testCase
		for i := uint32(0); i < nk; i++ {
			l, _ := u32()
			k := make([]byte, l)
			io.ReadFull(r, k)
			c.keys = append(c.keys, string(k))
		}
		l, err := u32()
		if err != nil {
			die("cases: %v", err)
		}
		c.msg = make([]byte, l)
		if _, err := io.ReadFull(r, c.msg); err != nil {
			die("cases: %v", err)
		}
		out = append(out, c)
	}
}

var texts = []string{
	"softpause/v1\ndeployment example\nepoch 42\nmode run\n",
	"a\n",
	"checkpoint-like origin\n18\nq6Qp9a6k2sN2p7s9g1pLh3GgGz1Ep2M2cL8r6lJ8Y1c=\n",
	"caf\u00e9 \u2014 \u00fcnicode text \U0001F512\n",
	"first\n\nsecond paragraph after a blank line\n",
}

// base builds a note: a text signed by a random subset of signers (Go's note.Sign), plus
// sometimes an unknown signer's line or a cosignature-shaped line of another algorithm.
func base(r *rand.Rand, signers []note.Signer, stranger, longName note.Signer) []byte {
	text := texts[r.Intn(len(texts))]
	switch r.Intn(60) {
	case 0: // a line over SP_MAX_LINE_BYTES (D2)
		text = "long line\n" + strings.Repeat("L", cMaxLineBytes+1+r.Intn(20)) + "\n"
	case 1: // a note over SP_MAX_NOTE_BYTES (D1)
		text = strings.Repeat(strings.Repeat("B", 99)+"\n", cMaxNoteBytes/100+r.Intn(3))
	}
	perm := r.Perm(len(signers))
	k := 1 + r.Intn(len(signers))
	var ss []note.Signer
	for _, i := range perm[:k] {
		ss = append(ss, signers[i])
	}
	if r.Intn(4) == 0 {
		ss = append(ss, stranger)
	}
	if r.Intn(40) == 0 { // an unknown signer whose name is over SP_MAX_NAME_BYTES (D7)
		ss = append(ss, longName)
	}
	msg, err := note.Sign(&note.Note{Text: text}, ss...)
	if err != nil {
		die("Sign: %v", err)
	}
	if r.Intn(5) == 0 { // a cosignature/v1-shaped line: 4 + 8 + 64 bytes, unknown key
		p := make([]byte, 76)
		r.Read(p)
		msg = append(msg, []byte("\u2014 witness.example/w1 "+base64.StdEncoding.EncodeToString(p)+"\n")...)
	}
	if r.Intn(40) == 0 { // an unknown line with a payload over SP_MAX_SIG_BYTES (D8)
		p := make([]byte, cMaxSigBytes+1+r.Intn(100))
		r.Read(p)
		msg = append(msg, []byte("\u2014 big.example "+base64.StdEncoding.EncodeToString(p)+"\n")...)
	}
	return msg
}

func lines(msg []byte) [][]byte {
	var out [][]byte
	for len(msg) > 0 {
		i := bytes.IndexByte(msg, '\n')
		if i < 0 {
			out = append(out, msg)
			break
		}
		out = append(out, msg[:i+1])
		msg = msg[i+1:]
	}
	return out
}

var interesting = [][]byte{
	{0}, {'\n'}, {'\r'}, {'\t'}, {' '}, {'-'}, {'+'}, {'='}, {'/'}, {'A'}, {0x7f},
	{0x80}, {0xc0}, {0xe2}, {0xff}, []byte("\u2014 "), []byte("- "), []byte("\n\n"),
	[]byte("\r\n"), []byte("\u00a0"), []byte("\xed\xa0\x80"), []byte("\xc0\x80"),
	[]byte("\u2028"), []byte("AAAA"),
}

func mutate(r *rand.Rand, msg []byte, names []string) []byte {
	m := append([]byte(nil), msg...)
	switch r.Intn(14) {
	case 0: // bit flip
		if len(m) > 0 {
			m[r.Intn(len(m))] ^= 1 << uint(r.Intn(8))
		}
	case 1: // byte replaced
		if len(m) > 0 {
			m[r.Intn(len(m))] = byte(r.Intn(256))
		}
	case 2: // insertion of an interesting sequence
		i := r.Intn(len(m) + 1)
		ins := interesting[r.Intn(len(interesting))]
		m = append(m[:i], append(append([]byte(nil), ins...), m[i:]...)...)
	case 3: // deletion of 1..4 bytes
		if len(m) > 0 {
			i := r.Intn(len(m))
			j := i + 1 + r.Intn(4)
			if j > len(m) {
				j = len(m)
			}
			m = append(m[:i], m[j:]...)
		}
	case 4, 5: // line duplication (a repeated signature line, or a repeated text line)
		ls := lines(m)
		i := r.Intn(len(ls))
		times := 1
		if r.Intn(4) == 0 {
			times = 1 + r.Intn(110) // crosses our 32-line and Go's 100-line limits
		}
		var out []byte
		for j, l := range ls {
			out = append(out, l...)
			if j == i {
				for t := 0; t < times; t++ {
					out = append(out, l...)
				}
			}
		}
		m = out
	case 6: // line swap
		ls := lines(m)
		i, j := r.Intn(len(ls)), r.Intn(len(ls))
		ls[i], ls[j] = ls[j], ls[i]
		m = bytes.Join(ls, nil)
	case 7: // line deletion
		ls := lines(m)
		i := r.Intn(len(ls))
		m = bytes.Join(append(ls[:i:i], ls[i+1:]...), nil)
	case 8: // non-canonical base64: set pad bits of a signature's last symbol
		ls := lines(m)
		i := r.Intn(len(ls))
		l := ls[i]
		if k := bytes.LastIndexByte(l, '='); k > 0 && l[k-1] != '=' && l[k-1] == 'A' {
			l[k-1] = 'B'
		} else if k > 0 && l[k-1] != '=' {
			l[k-1] ^= 1
		}
	case 9: // a long text line
		ls := lines(m)
		i := r.Intn(len(ls))
		long := bytes.Repeat([]byte("x"), 1000+r.Intn(60))
		ls = append(ls[:i:i], append([][]byte{append(long, '\n')}, ls[i:]...)...)
		m = bytes.Join(ls, nil)
	case 10: // rename a signature line to another known name
		ls := lines(m)
		i := r.Intn(len(ls))
		l := string(ls[i])
		if strings.HasPrefix(l, "\u2014 ") {
			rest := strings.TrimPrefix(l, "\u2014 ")
			if sp := strings.IndexByte(rest, ' '); sp > 0 {
				ls[i] = []byte("\u2014 " + names[r.Intn(len(names))] + rest[sp:])
			}
		}
		m = bytes.Join(ls, nil)
	case 11: // em dash -> ASCII hyphen
		m = bytes.Replace(m, []byte("\u2014 "), []byte("- "), 1+r.Intn(2))
	case 12: // CRLF
		m = bytes.Replace(m, []byte("\n"), []byte("\r\n"), 1+r.Intn(3))
	case 13: // grow past the size limit with extra text lines
		pad := bytes.Repeat([]byte(strings.Repeat("y", 99)+"\n"), 150+r.Intn(20))
		m = append(pad, m...)
	}
	return m
}

func gen(dir string, seed int64, n int) {
	keys := allKeys(dir)
	_, ss := verifiersAndSigners(keys)
	var names []string
	for _, s := range ss {
		names = append(names, s.Name())
	}
	r := rand.New(rand.NewSource(seed))
	strangerKey, _, _ := note.GenerateKey(detReader{rand.New(rand.NewSource(seed + 1))}, "stranger.example")
	stranger, err := note.NewSigner(strangerKey)
	if err != nil {
		die("%v", err)
	}
	longKey, _, _ := note.GenerateKey(detReader{rand.New(rand.NewSource(seed + 2))}, "long.example/"+strings.Repeat("n", cMaxNameBytes))
	longName, err := note.NewSigner(longKey)
	if err != nil {
		die("%v", err)
	}
	var cases []testCase
	for len(cases) < n {
		msg := base(r, ss, stranger, longName)
		// 1 in 10 unmutated (must be accepted by both); otherwise 1..3 stacked mutations.
		if r.Intn(10) != 0 {
			for k := 1 + r.Intn(3); k > 0; k-- {
				msg = mutate(r, msg, names)
			}
		}
		var ks []string
		for _, i := range r.Perm(len(keys))[:r.Intn(len(keys)+1)] {
			ks = append(ks, keys[i].vkey)
		}
		if len(ks) > 0 && r.Intn(8) == 0 { // the same key twice: ambiguous in Go's VerifierList
			ks = append(ks, ks[r.Intn(len(ks))])
		}
		cases = append(cases, testCase{ks, msg})
	}
	writeCases(filepath.Join(dir, "cases.bin"), cases)
}

// ---- comparison -----------------------------------------------------------------------

type result struct {
	accept bool
	code   string   // C: the sp_err name; Go: the error text
	names  []string // verified "name+hash", sorted
}

func goOpen(c testCase) result {
	var vs []note.Verifier
	for _, k := range c.keys {
		v, err := note.NewVerifier(k)
		if err != nil {
			die("NewVerifier: %v", err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open(c.msg, note.VerifierList(vs...))
	if err != nil {
		return result{code: err.Error()}
	}
	var names []string
	for _, s := range n.Sigs {
		names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	sort.Strings(names)
	return result{accept: true, names: names}
}

// sigBlock returns the signature lines as Go's Open would split them (after the last
// "\n\n"), or nil.
func sigBlock(msg []byte) [][]byte {
	split := bytes.LastIndex(msg, []byte("\n\n"))
	if split < 0 {
		return nil
	}
	var out [][]byte
	for _, l := range lines(msg[split+2:]) {
		out = append(out, bytes.TrimSuffix(l, []byte("\n")))
	}
	return out
}

// classify names the expected divergence that explains "Go accepts, C refuses with
// code", or returns "" if none does.  Each entry is one of the deliberate divergences
// D1..D8 of src/verifier/note.c, and each is checked against the input, not just the code.
func classify(c testCase, code string) string {
	switch code {
	case "SP_ERR_NOTE_TOO_LARGE": // D1
		if len(c.msg) > cMaxNoteBytes {
			return "D1 note larger than SP_MAX_NOTE_BYTES"
		}
	case "SP_ERR_NOTE_LINE_TOO_LONG": // D2
		for _, l := range lines(c.msg) {
			if len(bytes.TrimSuffix(l, []byte("\n"))) > cMaxLineBytes {
				return "D2 line longer than SP_MAX_LINE_BYTES"
			}
		}
	case "SP_ERR_NOTE_TOO_MANY_SIGS": // D3
		if len(sigBlock(c.msg)) > cMaxSigLines {
			return "D3 more than SP_MAX_SIG_LINES signature lines"
		}
	case "SP_ERR_BASE64": // D4: Go's StdEncoding accepts what its Strict() form refuses
		for _, l := range sigBlock(c.msg) {
			f := strings.SplitN(strings.TrimPrefix(string(l), "\u2014 "), " ", 2)
			if len(f) == 2 {
				_, lax := base64.StdEncoding.DecodeString(f[1])
				_, strict := base64.StdEncoding.Strict().DecodeString(f[1])
				if lax == nil && strict != nil {
					return "D4 non-canonical base64 (non-zero pad bits)"
				}
			}
		}
	case "SP_ERR_NOTE_SIG_LINE": // D7, D8
		for _, l := range sigBlock(c.msg) {
			f := strings.SplitN(strings.TrimPrefix(string(l), "\u2014 "), " ", 2)
			if len(f) == 2 {
				if len(f[0]) > cMaxNameBytes {
					return "D7 signer name longer than SP_MAX_NAME_BYTES"
				}
				if p, err := base64.StdEncoding.DecodeString(f[1]); err == nil && len(p) > cMaxSigBytes {
					return "D8 signature payload larger than SP_MAX_SIG_BYTES"
				}
			}
		}
	}
	return ""
}

func compare(dir string, seed string) {
	cases := readCases(filepath.Join(dir, "cases.bin"))
	f, err := os.Open(filepath.Join(dir, "c.results"))
	if err != nil {
		die("%v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	agree, acceptBoth, rejectBoth := 0, 0, 0
	expected := map[string]int{}
	var failures []string
	for i, c := range cases {
		if !sc.Scan() {
			die("c.results has only %d lines for %d cases", i, len(cases))
		}
		fields := strings.Fields(sc.Text())
		var cr result
		if len(fields) >= 1 && fields[0] == "ACCEPT" {
			cr.accept = true
			if len(fields) > 1 {
				cr.names = strings.Split(fields[1], ",")
				sort.Strings(cr.names)
			}
		} else if len(fields) == 2 && fields[0] == "REJECT" {
			cr.code = fields[1]
		} else {
			die("bad C result line %d: %q", i+1, sc.Text())
		}
		gr := goOpen(c)
		switch {
		case gr.accept && cr.accept:
			if strings.Join(gr.names, ",") == strings.Join(cr.names, ",") {
				agree++
				acceptBoth++
			} else {
				failures = append(failures, fmt.Sprintf("case %d: both accept, Go verified %v, C verified %v", i, gr.names, cr.names))
			}
		case !gr.accept && !cr.accept:
			agree++
			rejectBoth++
		case gr.accept && !cr.accept:
			if why := classify(c, cr.code); why != "" {
				expected[why]++
			} else {
				failures = append(failures, fmt.Sprintf("case %d: Go accepts (%v), C refuses with %s", i, gr.names, cr.code))
			}
		default:
			failures = append(failures, fmt.Sprintf("case %d: C accepts (%v), Go refuses: %s", i, cr.names, gr.code))
		}
	}
	fmt.Printf("interop: seed %s: %d cases: %d agree (%d accepted by both, %d refused by both)\n",
		seed, len(cases), agree, acceptBoth, rejectBoth)
	var whys []string
	for w := range expected {
		whys = append(whys, w)
	}
	sort.Strings(whys)
	for _, w := range whys {
		fmt.Printf("interop: expected divergence (Go accepts, C refuses): %-55s %d\n", w, expected[w])
	}
	for i, fl := range failures {
		if i == 20 {
			fmt.Printf("... and %d more\n", len(failures)-20)
			break
		}
		fmt.Println("DISAGREE " + fl)
		idx := 0
		fmt.Sscanf(fl, "case %d:", &idx)
		fmt.Printf("  note %q\n  keys %q\n", cases[idx].msg, cases[idx].keys)
	}
	if acceptBoth == 0 || rejectBoth == 0 {
		failures = append(failures, "degenerate corpus")
		fmt.Println("DISAGREE corpus has no accepted or no refused cases")
	}
	if len(failures) > 0 {
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) < 3 {
		die("usage: gonote keygen|check|vectors|gen|compare DIR ...")
	}
	switch os.Args[1] {
	case "keygen":
		keygen(os.Args[2])
	case "check":
		check(os.Args[2])
	case "vectors":
		vectors(os.Args[2])
	case "gen":
		var seed int64
		var n int
		if len(os.Args) != 5 {
			die("usage: gonote gen DIR SEED N")
		}
		fmt.Sscan(os.Args[3], &seed)
		fmt.Sscan(os.Args[4], &n)
		gen(os.Args[2], seed, n)
	case "compare":
		seed := "?"
		if len(os.Args) > 3 {
			seed = os.Args[3]
		}
		compare(os.Args[2], seed)
	default:
		die("unknown command %q", os.Args[1])
	}
}

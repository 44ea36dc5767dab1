package soap

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap/xmldoc"
)

// material is the conformance material written outside the project,
// copied into this package (testdata/conformance/SOURCES.md).
const material = "testdata/conformance"

// materialDir returns the directory sub of material; it fails the test
// when it is missing (the material is part of the repository).
func materialDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(material, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("conformance material: %v", err)
	}
	return dir
}

func noneUnderstood(xml.Name) bool { return false }

// ZSI 2.1's SOAP 1.1 envelope tests: good ones read; bad ones fault, with
// the code a SOAP 1.1 node gives.
func TestReadMessage_ZSIEnvelopes(t *testing.T) {
	dir := materialDir(t, "soap11-envelope-tests/zsi-2.1-a1/extracted")
	want := map[string]Code{
		"bad_test01.xml": CodeSender,          // unqualified attribute foo on Envelope
		"bad_test02.xml": CodeMustUnderstand,  // mustUnderstand header nobody understands
		"bad_test03.xml": CodeSender,          // processing instruction
		"bad_test04.xml": CodeSender,          // unqualified attribute fooattr on Envelope
		"bad_test05.xml": CodeSender,          // two Bodies
		"bad_test06.xml": CodeVersionMismatch, // root is not Envelope
		"bad_test07.xml": CodeSender,          // Header after Body
		"bad_test08.xml": CodeSender,          // zBody instead of Body
		"bad_test09.xml": CodeSender,          // two Headers
		"bad_test10.xml": CodeSender,          // Header after Body
		"bad_test11.xml": CodeSender,          // element after Body (BP R1011)
		"bad_test12.xml": CodeSender,          // processing instruction
		"bad_test13.xml": CodeSender,          // processing instruction
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != len(want)+6 { // 13 bad, 6 good
		t.Fatalf("got %d envelopes in %s, want %d", len(files), dir, len(want)+6)
	}
	for _, path := range files {
		base := filepath.Base(path)
		m, err := ReadMessage(mustOpen(t, path), xmldoc.Limits{})
		if err == nil {
			err = m.CheckMustUnderstand(true, noneUnderstood)
		}
		if strings.HasPrefix(base, "good") {
			if err != nil && !isMU(err) {
				t.Errorf("%s: got %v, want it read", base, err)
			}
			continue
		}
		var f *Fault
		if !errors.As(err, &f) {
			t.Errorf("%s: got %v, want a %s fault", base, err, want[base])
			continue
		}
		if f.Code != want[base] || f.VersionOr(0) != V11 {
			t.Errorf("%s: got %s (version %v), want %s in 1.1", base, f, f.Version, want[base])
		}
	}
}

func isMU(err error) bool {
	var f *Fault
	return errors.As(err, &f) && f.Code == CodeMustUnderstand
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// The W3C SOAP 1.2 test collection (PHP's extraction): requests of tests
// that expect a fault at the envelope level fault with the expected code;
// the others read. The DOCTYPE tests (T25, T64, T65) expect Sender per SOAP
// 1.2 Part 1, 5, where PHP answered Receiver; tests whose fault comes from
// the service (rpc, encoding, the echo operations) are not envelope-level.
func TestReadMessage_W3CTestCollection(t *testing.T) {
	dir := materialDir(t, "soap12-w3c-testcollection/extracted")
	var index []struct {
		Test  string `json:"test"`
		Fault bool   `json:"fault"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	want := map[string]Code{
		"T12": CodeMustUnderstand, "T13": CodeMustUnderstand, "T35": CodeMustUnderstand, "T36": CodeMustUnderstand,
		"T14": CodeSender, "T23": CodeSender, "T28": CodeSender, "T39": CodeSender,
		"T69": CodeSender, "T70": CodeSender, "T71": CodeSender, "T72": CodeSender,
		"T24": CodeVersionMismatch, "T25": CodeSender, "T64": CodeSender, "T65": CodeSender,
		// A deliberate difference from PHP's answer: T26 carries a PI, which
		// SOAP 1.2 Part 1, 5 says a receiver SHOULD fault (PHP ignored it).
		"T26": CodeSender,
	}
	for _, tc := range index {
		path := filepath.Join(dir, tc.Test+".request.xml")
		m, err := ReadMessage(mustOpen(t, path), xmldoc.Limits{})
		if err == nil {
			// The test node understands the echo headers and requiredHeader.
			err = m.CheckMustUnderstand(true, func(n xml.Name) bool {
				return n.Space == "http://example.org/ts-tests" &&
					(strings.HasPrefix(n.Local, "echo") || n.Local == "requiredHeader")
			})
		}
		code, envelopeLevel := want[tc.Test]
		if !envelopeLevel {
			if err != nil {
				t.Errorf("%s: got %v, want it read", tc.Test, err)
			}
			continue
		}
		var f *Fault
		if !errors.As(err, &f) || f.Code != code {
			t.Errorf("%s: got %v, want a %s fault", tc.Test, err, code)
			continue
		}
		if got := f.VersionOr(V12); got != V12 {
			t.Errorf("%s: got reply version %v, want 1.2", tc.Test, got)
		}
	}
}

package wsnotify

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsgw/wsgw/soap"
	"github.com/wsgw/wsgw/soap/xmldoc"
)

// FuzzSubscribe feeds Subscribe payloads through the parse and compile path
// (filters, termination time, policy, consumer check) without the handler's
// panic guard: nothing may panic.
func FuzzSubscribe(f *testing.F) {
	files, _ := filepath.Glob(samples + smx + "subscribe*.xml")
	if len(files) == 0 {
		f.Fatalf("no seed files %s%ssubscribe*.xml", samples, smx)
	}
	for _, p := range files {
		b, _ := os.ReadFile(p)
		s := string(b)
		if i := strings.Index(s, "?>"); strings.HasPrefix(s, "<?xml") && i > 0 {
			s = s[i+2:]
		}
		f.Add(s)
	}
	f.Add(subscribeXML("http://127.0.0.1:1/c", simpleTopic("tns:a")+`<wsnt:MessageContent Dialect="`+XPath1+`">m:a[1]</wsnt:MessageContent>`, itt("P1D")))
	f.Add(subscribeXML("http://127.0.0.1:1/c", `<wsnt:TopicExpression Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Full">tns://*|tns:a/.</wsnt:TopicExpression>`, ""))
	cfg := testConfig()
	cfg.MaxSubscriptions = 50
	e := newEnv(f, cfg, "")
	f.Fuzz(func(t *testing.T, payload string) {
		m, err := soap.ReadMessageBytes([]byte(envelope(soap.V12, payload)), xmldoc.Limits{})
		if err != nil || !m.Payload.Valid() {
			return
		}
		req := &request{r: httptest.NewRequest("POST", "/", nil), msg: m, raw: m.Doc.Raw(), v: m.Version, now: e.clock.Now()}
		e.b.subscribeOp(req) //nolint:errcheck // only panics matter
	})
}

package conformance

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// requestText renders the request of rec like an HTTP/1.1 message.
func requestText(rec Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", rec.Method, rec.URL)
	writeHeader(&b, rec.Header)
	if len(rec.Body) > 0 {
		b.WriteString("\n")
		b.Write(rec.Body)
		if rec.BodySize > len(rec.Body) {
			fmt.Fprintf(&b, "\n(%d bytes in all)", rec.BodySize)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// replyText renders the reply of rec, or its transport error.
func replyText(rec Record) string {
	if rec.Status == 0 {
		return "(no reply: " + rec.Err + ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s\n", rec.Status, http.StatusText(rec.Status))
	writeHeader(&b, rec.RespHeader)
	if len(rec.RespBody) > 0 {
		b.WriteString("\n")
		b.Write(rec.RespBody)
	}
	if rec.Err != "" {
		fmt.Fprintf(&b, "\n(%s)", rec.Err)
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeHeader(w io.Writer, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
}

// writeRecordsText writes every exchange of a case as plain text.
func writeRecordsText(w io.Writer, c *CaseResult) {
	for i := range c.Records {
		rec := c.Records[i]
		mark := ""
		if i == c.Failed {
			mark = " (failed)"
		}
		fmt.Fprintf(w, "--- exchange %d%s: request\n%s\n--- reply\n%s\n\n", i+1, mark, requestText(rec), replyText(rec))
	}
}

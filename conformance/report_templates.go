package conformance

// markdownText is the Markdown report. Records are fenced with a fence
// longer than any backtick run in them.
const markdownText = `# wsgw conformance report

Target: {{.Target}}; started {{.Started}}; took {{.Duration}}.

| Suite | Pass | Fail | Skip | Differ |
|---|---:|---:|---:|---:|
{{range .Suites}}| {{.Name}}: {{cell .Title}} | {{.Pass}} | {{.Fail}} | {{.Skip}} | {{.Differs}} |
{{end}}{{range $s := .Suites}}{{range $name, $why := .Unavailable}}
- {{$s.Name}}: {{"{"}}{{$name}}{{"}"}}: {{$why}}{{end}}{{end}}

"Differ" counts extension cases in which the target does otherwise than wsgw where the
standards say nothing: they are listed under "Where the standards stop", not failures.
## Failures
{{if not .Failures}}
None.
{{end}}{{range .Failures}}
### {{.Case.Suite}}/{{.Case.ID}}: {{.Case.Title}}

- Kind: {{.Case.Kind}}{{with .Case.Citations}}; checks {{.}}{{end}}
- Case file: ` + "`{{.Case.File}}`" + `
- Failure: {{.Message}}
{{$failed := .Failed}}{{range $i, $r := .Records}}
Exchange {{inc $i}}{{if eq $i $failed}} (failed){{end}}: request

{{$q := request $r}}{{fence $q}}http
{{$q}}
{{fence $q}}

Reply

{{$p := reply $r}}{{fence $p}}http
{{$p}}
{{fence $p}}
{{end}}{{end}}
## Where the standards stop

Cases of kind "extension": behaviour that goes beyond what the standards say, and why.
{{if not .Extensions}}
None in this run.
{{else}}
| Case | Outcome | Goes beyond | Reason |
|---|---|---|---|
{{range .Extensions}}| {{.Case.Suite}}/{{.Case.ID}}: {{cell .Case.Title}} | {{.Outcome}}{{if eq .Outcome "differs"}}: {{cell .Message}}{{end}} | {{cell .Case.Citations}} | {{cell .Case.Reason}} |
{{end}}{{end}}
## Skipped
{{if not .Skipped}}
None.
{{end}}{{range .Skipped}}
- {{.Case.Suite}}/{{.Case.ID}}: {{.Message}}{{end}}

## All cases

| Case | Kind | Checks | Outcome |
|---|---|---|---|
{{range .All}}| {{.Case.Suite}}/{{.Case.ID}}: {{cell .Case.Title}} | {{.Case.Kind}} | {{cell .Case.Citations}} | {{.Outcome}} |
{{end}}`

// htmlText is the HTML report: the same sections as the Markdown one.
const htmlText = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wsgw conformance report</title>
<style>
body{font-family:sans-serif;max-width:72em;margin:1em auto;padding:0 1em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}
.fail{color:#b00}.pass{color:#070}.skip{color:#777}.differs{color:#a60}
</style></head><body>
<h1>wsgw conformance report</h1>
<p>Target: {{.Target}}; started {{.Started}}; took {{.Duration}}.</p>
<table><tr><th>Suite</th><th>Pass</th><th>Fail</th><th>Skip</th><th>Differ</th></tr>
{{range .Suites}}<tr><td>{{.Name}}: {{.Title}}</td><td>{{.Pass}}</td><td>{{.Fail}}</td><td>{{.Skip}}</td><td>{{.Differs}}</td></tr>
{{end}}</table>
<ul>{{range $s := .Suites}}{{range $name, $why := .Unavailable}}<li>{{$s.Name}}: {{"{"}}{{$name}}{{"}"}}: {{$why}}</li>{{end}}{{end}}</ul>
<p>"Differ" counts extension cases in which the target does otherwise than wsgw where the
standards say nothing: they are listed under "Where the standards stop", not failures.</p>
<h2>Failures</h2>
{{if not .Failures}}<p>None.</p>{{end}}
{{range .Failures}}<h3 id="{{.Case.ID}}">{{.Case.Suite}}/{{.Case.ID}}: {{.Case.Title}}</h3>
<ul><li>Kind: {{.Case.Kind}}{{with .Case.Citations}}; checks {{.}}{{end}}</li>
<li>Case file: <code>{{.Case.File}}</code></li><li class="fail">Failure: {{.Message}}</li></ul>
{{$failed := .Failed}}{{range $i, $r := .Records}}
<p>Exchange {{inc $i}}{{if eq $i $failed}} (failed){{end}}: request</p><pre>{{request $r}}</pre>
<p>Reply</p><pre>{{reply $r}}</pre>
{{end}}{{end}}
<h2>Where the standards stop</h2>
<p>Cases of kind "extension": behaviour that goes beyond what the standards say, and why.</p>
{{if not .Extensions}}<p>None in this run.</p>{{else}}
<table><tr><th>Case</th><th>Outcome</th><th>Goes beyond</th><th>Reason</th></tr>
{{range .Extensions}}<tr><td>{{.Case.Suite}}/{{.Case.ID}}: {{.Case.Title}}</td><td class="{{.Outcome}}">{{.Outcome}}{{if eq .Outcome "differs"}}: {{.Message}}{{end}}</td><td>{{.Case.Citations}}</td><td>{{.Case.Reason}}</td></tr>
{{end}}</table>{{end}}
<h2>Skipped</h2>
{{if not .Skipped}}<p>None.</p>{{else}}<ul>{{range .Skipped}}<li>{{.Case.Suite}}/{{.Case.ID}}: {{.Message}}</li>{{end}}</ul>{{end}}
<h2>All cases</h2>
<table><tr><th>Case</th><th>Kind</th><th>Checks</th><th>Outcome</th></tr>
{{range .All}}<tr><td>{{.Case.Suite}}/{{.Case.ID}}: {{.Case.Title}}</td><td>{{.Case.Kind}}</td><td>{{.Case.Citations}}</td><td class="{{.Outcome}}">{{.Outcome}}</td></tr>
{{end}}</table>
</body></html>
`

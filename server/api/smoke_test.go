package api

import "testing"

func TestSmoke(t *testing.T) {
	e := newEnv(t)
	r := e.postJSON(`{"namespace":"ox","name":"cats","files":[{"path":"a/b.txt","contents":{"Text":"hello\n"},"user":{"name":"bessie","email":"b@oxen.ai"}}]}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	validate(t, "RepositoryCreationResponse", r.body)
	t.Logf("%s", r.body)
	r = e.postMultipart(newRepo("ox", "dogs"), file("x/y.csv", []byte("a,b\n1,2\n")), field("name", "n"), field("email", "e"))
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	validate(t, "RepositoryCreationResponse", r.body)
	g := e.get("/api/repos/ox/dogs/file/main/x/y.csv")
	if string(g.body) != "a,b\n1,2\n" {
		t.Fatalf("%d %s %v", g.status, g.body, g.header)
	}
	t.Logf("%v", g.header)
	e.noTrace()
	t.Log(e.keys(""))
}

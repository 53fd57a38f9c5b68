package service

import (
	"context"
	"testing"

	"embedscope/app/runs"
	"embedscope/app/workspace"
)

// embeddedService returns a service on the embedded data set (8,000 /
// 2,000 train / validation) with a run store in a temporary folder.
func embeddedService(t testing.TB) *Service {
	t.Helper()
	ws := workspace.New()
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.SetData(ds); err != nil {
		t.Fatal(err)
	}
	store, err := runs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ws, store)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

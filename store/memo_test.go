package store

import (
	"context"
	"testing"
)

func TestMemo(t *testing.T) {
	var none *Memo
	none.Store("k", 1) // a nil Memo ignores everything
	if _, ok := none.Load("k"); ok {
		t.Fatal("nil memo returned a value")
	}
	if MemoFrom(context.Background()) != nil {
		t.Fatal("memo from a bare context")
	}
	ctx := WithMemo(context.Background())
	m := MemoFrom(ctx)
	if _, ok := m.Load("k"); ok {
		t.Fatal("new memo not empty")
	}
	m.Store("k", 1)
	if v, ok := MemoFrom(ctx).Load("k"); !ok || v != 1 {
		t.Fatalf("Load = %v, %v", v, ok)
	}
	m.Forget("k")
	if _, ok := m.Load("k"); ok {
		t.Fatal("Forget kept the value")
	}
	if MemoFrom(WithMemo(ctx)) == m {
		t.Fatal("WithMemo reused the outer memo")
	}
}

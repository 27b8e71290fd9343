package operators_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/operators"
	"github.com/siyu/siyu/tasks/taskstest"
)

func newService(t *testing.T) *operators.Service {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	return operators.New(db, operators.Options{Redis: rdb.Client, Prefix: prefix, BcryptCost: 4})
}

func TestRedact(t *testing.T) {
	in := json.RawMessage(`{"username":"a","password":"p","nested":{"api_key":"k","Secret":"s","items":[{"token":"t","note":"ok"}]},"key":"x","event_key":"e"}`)
	b, _ := json.Marshal(operators.Redact(in))
	got := string(b)
	for _, leaked := range []string{`"p"`, `"k"`, `"s"`, `"t"`, `"x"`} {
		if strings.Contains(got, leaked) {
			t.Errorf("Redact kept %s: %s", leaked, got)
		}
	}
	if !strings.Contains(got, `"note":"ok"`) || !strings.Contains(got, `"username":"a"`) || !strings.Contains(got, `"event_key":"e"`) {
		t.Errorf("Redact dropped plain fields: %s", got)
	}
}

func TestKeys(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	op, err := s.CreateOperator(ctx, operators.NewOperator{Username: "kim", Role: model.OpOperator, Password: "long enough"}, operators.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	key, k, err := s.CreateKey(ctx, op.ID, operators.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.OperatorByKey(ctx, key); err != nil || got.ID != op.ID {
		t.Fatalf("OperatorByKey(key) = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "sy_", k.Prefix, k.Prefix + "_wrong", key + "x", strings.Replace(key, "sy_", "xx_", 1)} {
		if _, err := s.OperatorByKey(ctx, bad); !errors.Is(err, model.ErrBadCredentials) {
			t.Errorf("OperatorByKey(%q) = %v, want ErrBadCredentials", bad, err)
		}
	}
	if err := s.RevokeKey(ctx, k.Prefix, operators.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, k.Prefix, operators.Actor{}); !errors.Is(err, model.ErrAPIKeyNotFound) {
		t.Errorf("second revoke = %v, want ErrAPIKeyNotFound", err)
	}
	if _, err := s.OperatorByKey(ctx, key); !errors.Is(err, model.ErrBadCredentials) {
		t.Errorf("revoked key = %v, want ErrBadCredentials", err)
	}
}

func TestValidation(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	for _, in := range []operators.NewOperator{
		{Username: "a b", Role: model.OpAdmin, Password: "long enough"},
		{Username: "ann", Role: "root", Password: "long enough"},
		{Username: "ann", Role: model.OpStoreManager, Password: "long enough"},
		{Username: "ann", Role: model.OpAnalyst, StoreCode: "sh001", Password: "long enough"},
		{Username: "ann", Role: model.OpAdmin, Password: "short"},
	} {
		if _, err := s.CreateOperator(ctx, in, operators.Actor{}); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("CreateOperator(%+v) = %v, want EINVALID", in, err)
		}
	}
	if ops, _ := s.ListOperators(ctx); len(ops) != 0 {
		t.Errorf("%d operators after refusals, want 0", len(ops))
	}
}

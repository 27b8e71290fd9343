package guides_test

import (
	"context"
	"strings"
	"testing"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
)

func TestImportStoresAndGuides(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	res, err := e.Guides.ImportStores(ctx, []model.Store{{Code: "sh001", Name: "上海一店"}, {Code: "bj001"}})
	if err != nil || res != (guides.ImportResult{Created: 2}) {
		t.Fatalf("import stores = %v, %v", res, err)
	}
	res, err = e.Guides.ImportStores(ctx, []model.Store{{Code: "sh001", Name: "上海旗舰店"}, {Code: "gz001"}})
	if err != nil || res != (guides.ImportResult{Created: 1, Updated: 1}) {
		t.Fatalf("re-import = %v, %v; want 1 created, 1 updated", res, err)
	}
	gs := []model.Guide{
		{UserID: "g01", Name: "张三", StoreCode: "sh001"},
		{UserID: "m01", Name: "李店长", StoreCode: "sh001", Role: model.RoleStoreManager},
		{UserID: "m02", Name: "王店长", StoreCode: "sh001", Role: model.RoleStoreManager},
		{UserID: "m03", StoreCode: "bj001", Role: model.RoleStoreManager},
	}
	if _, err := e.Guides.ImportGuides(ctx, gs); err != nil {
		t.Fatal(err)
	}
	g, managers, found, err := e.Guides.StoreManagersOf(ctx, "g01")
	if err != nil || !found || g.StoreCode != "sh001" || len(managers) != 2 || managers[0].UserID != "m01" {
		t.Errorf("managers of g01 = %v, %v, %v, %v", g, managers, found, err)
	}
	if _, m, _, _ := e.Guides.StoreManagersOf(ctx, "m01"); len(m) != 1 || m[0].UserID != "m02" {
		t.Errorf("a manager's managers = %v, want the other manager only", m)
	}
	if _, _, found, _ := e.Guides.StoreManagersOf(ctx, "nobody"); found {
		t.Errorf("unknown guide found")
	}

	bad := []struct {
		name string
		gs   []model.Guide
		want string
	}{
		{"unknown store", []model.Guide{{UserID: "g9", StoreCode: "nope"}}, "row 1: guide g9: store \"nope\" does not exist"},
		{"bad role", []model.Guide{{UserID: "g9", Role: "boss"}}, "row 1: guide g9: role \"boss\""},
		{"bad userid", []model.Guide{{UserID: "g 9"}}, "row 1: guide userid \"g 9\""},
		{"repeated", []model.Guide{{UserID: "g9"}, {UserID: "g9"}}, "row 2: guide g9 repeats row 1"},
	}
	for _, tc := range bad {
		_, err := e.Guides.ImportGuides(ctx, tc.gs)
		if model.ErrorCode(err) != model.EINVALID || !strings.Contains(model.ErrorMessage(err), tc.want) {
			t.Errorf("%s: err = %v, want EINVALID containing %q", tc.name, err, tc.want)
		}
	}
	if n := e.Count(&model.Guide{}); n != 4 {
		t.Errorf("guides = %d after refused imports, want 4 (all or nothing)", n)
	}

	sync, err := e.Guides.SyncGuides(ctx, []model.Guide{{UserID: "g01", Name: "张三丰"}, {UserID: "g02", Name: "新人"}}, "bj001")
	if err != nil || sync != (guides.ImportResult{Created: 1, Updated: 1}) {
		t.Fatalf("sync = %v, %v", sync, err)
	}
	list, _ := e.Guides.ListGuides(ctx, guides.GuideFilter{StoreCode: "sh001"})
	if len(list) != 3 || list[0].UserID != "g01" || list[0].Name != "张三丰" {
		t.Errorf("sh001 guides = %+v; want g01 renamed and kept in sh001", list)
	}
	if list, _ := e.Guides.ListGuides(ctx, guides.GuideFilter{StoreCode: "bj001"}); len(list) != 2 {
		t.Errorf("bj001 guides = %+v, want m03 and the new g02", list)
	}
}

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// monDashboard is the part of a Grafana dashboard the checks read.
type monDashboard struct {
	UID        string     `json:"uid"`
	Title      string     `json:"title"`
	Panels     []monPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string      `json:"name"`
			Type       string      `json:"type"`
			Datasource *monDataRef `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

type monPanel struct {
	ID         *int        `json:"id"`
	Title      string      `json:"title"`
	Type       string      `json:"type"`
	Datasource *monDataRef `json:"datasource"`
	Targets    []struct {
		Datasource *monDataRef `json:"datasource"`
		Expr       string      `json:"expr"`
	} `json:"targets"`
	Panels []monPanel `json:"panels"` // a collapsed row's panels
}

type monDataRef struct {
	UID  string `json:"uid"`
	Type string `json:"type"`
}

// monitoringDashboardsStatic checks the provisioned dashboards: valid JSON,
// unique uids and panel ids, every query on a provisioned datasource of the
// right type and not empty. Grafana has no Debian package; the queries are
// evaluated by Live/EveryExpressionEvaluates.
func monitoringDashboardsStatic(t *testing.T) {
	var ds monDatasources
	monReadYAML(t, monDir("grafana", "provisioning", "datasources", "datasources.yml"), &ds)
	known := map[string]string{} // uid -> type
	for _, d := range ds.Datasources {
		known[d.UID] = d.Type
	}
	files, _ := filepath.Glob(monDir("grafana", "dashboards", "*.json"))
	if len(files) < 5 {
		t.Errorf("expected 5 dashboards, found %d", len(files))
	}
	// A query must name a provisioned datasource of the right type.
	checkRef := func(where string, ref *monDataRef) {
		if ref == nil {
			t.Errorf("%s has no datasource", where)
		} else if typ, ok := known[ref.UID]; !ok || typ != ref.Type {
			t.Errorf("%s uses unknown datasource %+v (provisioned: %v)", where, *ref, known)
		}
	}
	uids := map[string]string{}
	for _, f := range files {
		name := filepath.Base(f)
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d monDashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if d.UID == "" {
			t.Errorf("%s has no uid", name)
		} else if other, dup := uids[d.UID]; dup {
			t.Errorf("%s: uid %s is also the uid of %s", name, d.UID, other)
		}
		uids[d.UID] = name
		ids := map[int]string{}
		queries := 0
		var walk func([]monPanel)
		walk = func(ps []monPanel) {
			for _, p := range ps {
				where := name + ": panel " + strings.TrimSpace(p.Title)
				if p.ID == nil {
					t.Errorf("%s has no id", where)
				} else if other, dup := ids[*p.ID]; dup {
					t.Errorf("%s: panel id %d is also the id of %q", where, *p.ID, other)
				} else {
					ids[*p.ID] = p.Title
				}
				for _, q := range p.Targets {
					queries++
					ref := q.Datasource
					if ref == nil {
						ref = p.Datasource
					}
					checkRef(where, ref)
					if strings.TrimSpace(q.Expr) == "" {
						t.Errorf("%s has an empty query", where)
					}
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		if queries == 0 {
			t.Errorf("%s has no queries", name)
		}
		for _, v := range d.Templating.List {
			if v.Datasource != nil {
				checkRef(name+": variable "+v.Name, v.Datasource)
			}
		}
	}
}

package store

import (
	"fmt"
	"reflect"
	"sync"

	"gorm.io/gorm/schema"
)

// Column is one column of a table as its row struct declares it.
type Column struct {
	Name string
	Kind reflect.Kind // reflect.Int64, reflect.String or reflect.Bool
}

// Layout is a table's columns in declaration order and its primary key,
// derived from the row structs: the one place that states the columns, for
// tools that copy whole tables (the legacy import and its verification).
type Layout struct {
	Table   string
	Columns []Column
	Key     []string // primary key columns, in order
}

// ColumnNames lists the column names in order.
func (l Layout) ColumnNames() []string {
	out := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		out[i] = c.Name
	}
	return out
}

// rowModels are the row structs of the tables the domain keeps.
var rowModels = []any{&userRow{}, &messageRow{}, &followRow{}, &latestRow{}}

var layouts = sync.OnceValues(func() (map[string]Layout, error) {
	out := map[string]Layout{}
	for _, m := range rowModels {
		l, err := parseLayout(m)
		if err != nil {
			return nil, err
		}
		out[l.Table] = l
	}
	return out, nil
})

// parseLayout reads a row struct with GORM's schema parser, the same one
// that maps the struct's fields to columns in queries.
func parseLayout(model any) (Layout, error) {
	sch, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		return Layout{}, err
	}
	l := Layout{Table: sch.Table, Key: sch.PrimaryFieldDBNames}
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		k := f.FieldType.Kind()
		switch k {
		case reflect.Int, reflect.Int64:
			k = reflect.Int64
		case reflect.String, reflect.Bool:
		default:
			return Layout{}, fmt.Errorf("%s.%s: column kind %s has no layout kind", sch.Table, f.DBName, k)
		}
		l.Columns = append(l.Columns, Column{Name: f.DBName, Kind: k})
	}
	return l, nil
}

// TableLayout returns the layout of one of the domain's tables.
func TableLayout(table string) (Layout, error) {
	all, err := layouts()
	if err != nil {
		return Layout{}, err
	}
	l, ok := all[table]
	if !ok {
		return Layout{}, fmt.Errorf("no table %q in the store", table)
	}
	return l, nil
}

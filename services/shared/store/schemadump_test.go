package store

import (
	"context"
	"fmt"
	"sync"

	"gorm.io/gorm/schema"
)

// What the external tests (package store_test, which can use storetest)
// need from inside the store.
var (
	SchemaOf       = schemaOf
	ColumnsOf      = columnsOf
	ModelColumns   = modelColumns
	CreateV1OldWay = createV1OldWay
)

// schemaQueries describe a schema as sorted lines of text, from the
// engine's own catalog: tables, columns (type, length, NOT NULL, default,
// position), constraints, indexes with their definitions, sequences and
// which column owns each.
var schemaQueries = map[string][]string{
	"postgres": {
		`SELECT 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type ||
			COALESCE('(' || character_maximum_length || ')', '') ||
			CASE is_nullable WHEN 'NO' THEN ' NOT NULL' ELSE '' END ||
			COALESCE(' DEFAULT ' || column_default, '')
		 FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1`,
		`SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		 FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1`,
		`SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
		`SELECT 'sequence ' || sequencename || ' ' || data_type::text || ' start ' || start_value || ' min ' || min_value ||
			' max ' || max_value || ' increment ' || increment_by || ' cycle ' || cycle::text || ' cache ' || cache_size
		 FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1`,
		`SELECT 'sequence ' || s.relname || ' owned by ' || t.relname || '.' || a.attname
		 FROM pg_class s
		 JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')
		 JOIN pg_class t ON t.oid = d.refobjid
		 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		 WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace ORDER BY 1`,
	},
	"sqlite": {
		`SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || COALESCE(sql, '(implicit)')
		 FROM sqlite_master ORDER BY type, name`,
	},
}

// schemaOf returns the schema of s's database as text, one fact a line.
func schemaOf(ctx context.Context, s *Store) (string, error) {
	var out string
	for _, q := range schemaQueries[s.dialect] {
		rows, err := s.db.WithContext(ctx).Raw(q).Rows()
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				_ = rows.Close()
				return "", err
			}
			out += line + "\n"
		}
		if err := rows.Close(); err != nil {
			return "", err
		}
	}
	return out, nil
}

// columnsOf lists the columns table has in the database.
func columnsOf(ctx context.Context, s *Store, table string) ([]string, error) {
	cts, err := s.db.WithContext(ctx).Migrator().ColumnTypes(table)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cts))
	for i, c := range cts {
		out[i] = c.Name()
	}
	return out, nil
}

// modelColumns maps each table the store's structs read or write (the row
// structs and the version table) to the columns GORM's schema parser gives
// their fields: what queries will name.
func modelColumns() (map[string][]string, error) {
	out := map[string][]string{}
	for _, m := range append([]any{&schemaMigration{}}, rowModels...) {
		sch, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			return nil, fmt.Errorf("%T: %w", m, err)
		}
		out[sch.Table] = sch.DBNames
	}
	return out, nil
}

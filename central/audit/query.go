package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Filter selects entries. Zero fields match everything.
type Filter struct {
	Actor       string
	Role        Role
	RecordingID string
	BoxID       string
	Actions     []Action
	// From is inclusive and To exclusive.
	From, To time.Time
	// Limit caps the number of entries returned, oldest first. Default: no limit.
	Limit int
}

// Query returns the entries that match f, ordered by seq.
func (l *Log) Query(ctx context.Context, f Filter) ([]Entry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Role != "" {
		add("role = ?", string(f.Role))
	}
	if f.RecordingID != "" {
		add("recording_id = ?", f.RecordingID)
	}
	if f.BoxID != "" {
		add("box_id = ?", f.BoxID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixNano())
	}
	if len(f.Actions) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Actions)), ", ")
		where = append(where, "action IN ("+marks+")")
		for _, a := range f.Actions {
			args = append(args, string(a))
		}
	}

	q := `SELECT seq, at, actor, role, action, recording_id, box_id, device, reason, detail, prev_hash, hash FROM entries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}

	rows, err := l.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("querying audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		s, err := scanStored(rows)
		if err != nil {
			return nil, fmt.Errorf("querying audit log: %w", err)
		}
		if s.err != nil {
			return nil, fmt.Errorf("querying audit log: entry %d: %w", s.Seq, s.err)
		}
		out = append(out, s.Entry)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("querying audit log: %w", err)
	}
	return out, nil
}

// Format is an export format.
type Format string

// Export formats.
const (
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// Export writes the entries that match f to w in format and appends an
// audit_export entry for actor, with the filter and the count as detail.
func (l *Log) Export(ctx context.Context, actor Entry, f Filter, format Format, w io.Writer) (int, error) {
	entries, err := l.Query(ctx, f)
	if err != nil {
		return 0, err
	}
	switch format {
	case FormatCSV:
		err = WriteCSV(w, entries)
	case FormatJSON:
		err = WriteJSON(w, entries)
	default:
		return 0, fmt.Errorf("exporting audit log: unknown format %q: use csv or json", format)
	}
	if err != nil {
		return 0, err
	}

	actor.Action = ActionAuditExport
	actor.Detail = filterDetail(f, format, len(entries))
	if _, err := l.Append(ctx, actor); err != nil {
		return len(entries), fmt.Errorf("recording the export: %w", err)
	}
	return len(entries), nil
}

func filterDetail(f Filter, format Format, n int) map[string]string {
	d := map[string]string{"format": string(format), "entries": strconv.Itoa(n)}
	set := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	set("filter_actor", f.Actor)
	set("filter_role", string(f.Role))
	set("filter_recording_id", f.RecordingID)
	set("filter_box_id", f.BoxID)
	if !f.From.IsZero() {
		d["filter_from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		d["filter_to"] = f.To.UTC().Format(time.RFC3339)
	}
	if len(f.Actions) > 0 {
		var s []string
		for _, a := range f.Actions {
			s = append(s, string(a))
		}
		d["filter_actions"] = strings.Join(s, ",")
	}
	return d
}

// csvHeader is the first row of WriteCSV's output.
var csvHeader = []string{"seq", "time", "actor", "role", "action", "recording_id", "box_id", "device", "reason", "detail"}

// WriteCSV writes entries as CSV with a header row. Times are RFC 3339 in
// UTC and detail is a JSON object. A field that starts with = + - or @ gets
// a leading apostrophe, so a spreadsheet shows it instead of evaluating it.
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	for _, e := range entries {
		rec := []string{
			strconv.FormatUint(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, string(e.Role), string(e.Action),
			e.RecordingID, e.BoxID, e.Device, e.Reason, encodeDetail(e.Detail),
		}
		for i := range rec {
			rec[i] = defuseFormula(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

func defuseFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteJSON writes entries as a JSON array of objects with the Entry field names.
func WriteJSON(w io.Writer, entries []Entry) error {
	if entries == nil {
		entries = []Entry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(entries); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

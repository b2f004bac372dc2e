package retention

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
)

// secrets returns byte strings that identify the stored form of rec: its
// sealed chunks and segments and its wrapped key, read from the raw
// database as someone with a copy of the file would.
func secrets(t *testing.T, path, rec string) map[string][]byte {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	out := map[string][]byte{}
	collect := func(name, query string) {
		rows, err := db.Query(query, rec)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			// 48 bytes are enough to be unique and short enough to survive page splits.
			out[name+"-"+string(rune('0'+i))] = b[len(b)/2 : len(b)/2+48]
			i++
		}
		if i == 0 {
			t.Fatalf("no %s rows for %s", name, rec)
		}
	}
	collect("sealed chunk", `SELECT sealed FROM chunks WHERE recording_id = ?`)
	collect("sealed segment", `SELECT sealed FROM segments WHERE recording_id = ?`)
	collect("wrapped recording key", `SELECT wrapped FROM recording_keys WHERE recording_id = ?`)
	collect("wrapped period key", `SELECT k.wrapped FROM period_keys k JOIN recordings r ON r.period = k.period WHERE r.id = ?`)
	return out
}

// filesUnder returns the content of every file under dir except the key directory.
func filesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "keys" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWipeLeavesNothingInDatabaseFiles(t *testing.T) {
	run := utc("2026-12-04T17:00:00Z")
	e := newEnv(t, schedule.Default(), run)
	ctx := context.Background()
	e.record(t, "rec-gone", run.Add(-72*time.Hour), recOpts{end: true, transcript: true, chunks: 4})
	e.record(t, "rec-kept", run.Add(-time.Hour), recOpts{end: true, transcript: true})

	// A caseworker reads and copies both, as the web UI would log it.
	for _, rec := range []string{"rec-gone", "rec-kept"} {
		for _, action := range []audit.Action{audit.ActionRead, audit.ActionCopy} {
			_, err := e.audit.Append(ctx, audit.Entry{Actor: "anna", Role: audit.RoleCaseworker, Action: action,
				RecordingID: rec, BoxID: "rum-12", Device: "tablet-3", Detail: map[string]string{"segments": "1"}})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	gone := secrets(t, e.dbPath, "rec-gone")

	e.clock.Set(run)
	if _, err := e.wiper.run(ctx, bySchedule, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := e.audit.SignHead(ctx); err != nil {
		t.Fatal(err)
	}

	files := filesUnder(t, e.dir)
	for _, want := range []string{"central.db", "central.db-wal", "audit.db", "audit.db-wal"} {
		if _, ok := files[filepath.Join(e.dir, want)]; !ok {
			t.Errorf("%s not found, so it was not checked", want)
		}
	}
	plain := map[string][]byte{}
	for _, rec := range []string{"rec-gone", "rec-kept"} {
		plain["transcript of "+rec] = []byte(transcriptOf(rec))
		plain["transcript marker of "+rec] = []byte("XYLOFON-" + strings.ToUpper(rec))
		plain["audio of "+rec] = audioOf(rec, 64)
	}

	for path, content := range files {
		for name, s := range gone {
			if bytes.Contains(content, s) {
				t.Errorf("%s still contains the %s of the wiped recording", filepath.Base(path), name)
			}
		}
		for name, s := range plain {
			if bytes.Contains(content, s) {
				t.Errorf("%s contains the plaintext %s", filepath.Base(path), name)
			}
		}
	}

	// The content of the kept recording is still there and readable.
	segs, err := e.st.Segments(ctx, "rec-kept")
	if err != nil || len(segs) != 1 || segs[0].Text != transcriptOf("rec-kept") {
		t.Errorf("Segments(rec-kept) after the wipe = %v, %v", segs, err)
	}
	if res, err := e.audit.Verify(ctx); err != nil || !res.OK() {
		t.Errorf("audit Verify after the wipe = %v, %v", res, err)
	}
}

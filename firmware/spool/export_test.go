package spool

import "fmt"

// LimitToCurrentSize caps the database file at its current number of pages,
// so the next write that needs a new page fails the way a full disk does
// (SQLITE_FULL), and returns a function that lifts the cap again.
func (s *Spool) LimitToCurrentSize() (lift func() error, err error) {
	var pages int64
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		return nil, err
	}
	return func() error {
		_, err := s.db.Exec("PRAGMA max_page_count = 1073741823")
		return err
	}, nil
}

package service

import (
	"encoding/json"

	"embedscope/app/runs"
)

// SessionRuns returns the records of the runs behind the workspace's
// spaces, as a session keeps them (workspace.SessionExtra.Runs).
func (s *Service) SessionRuns() []json.RawMessage {
	var out []json.RawMessage
	for _, sp := range s.WS.Spaces() {
		r, ok := s.Run(sp.ID)
		if !ok {
			continue
		}
		if b, err := json.Marshal(r); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// AdoptSession makes the runs a restored session brought known again: a
// run the store no longer holds (deleted, or another store) is written back
// with its space and model, so it is listed, can be renamed and is there
// next time; a run the store holds keeps the store's record (its name may
// have changed since). Records that do not decode are skipped. Call it
// after workspace.Restore.
func (s *Service) AdoptSession(records []json.RawMessage) error {
	var firstErr error
	for _, b := range records {
		var r runs.Record
		if json.Unmarshal(b, &r) != nil || !runs.ValidID(r.ID) {
			continue
		}
		sp := s.WS.Space(r.ID)
		if cur, ok := s.Run(r.ID); ok {
			if sp != nil && cur.Name != sp.Name {
				s.WS.RenameSpace(r.ID, cur.Name)
			}
			continue
		}
		if r.Status == runs.Running {
			r.Status = runs.Stopped
		}
		if err := s.save(&r, sp); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		s.notify()
	}
	return firstErr
}

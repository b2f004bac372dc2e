package asr

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Pool is an Engine that sends each request to the first of its engines
// that is available. It moves on to the next engine only on errors that wrap
// ErrUnavailable. An engine that rejects the request ends the attempt,
// because the request itself is at fault.
type Pool struct {
	engines []Engine
}

var _ Engine = (*Pool)(nil)

// NewPool returns a Pool that tries engines in the given order.
func NewPool(engines ...Engine) (*Pool, error) {
	if len(engines) == 0 {
		return nil, errors.New("transcription engine pool needs at least one engine")
	}
	return &Pool{engines: engines}, nil
}

// Name lists the pool's engines.
func (p *Pool) Name() string {
	names := make([]string, len(p.engines))
	for i, e := range p.engines {
		names[i] = e.Name()
	}
	return "pool(" + strings.Join(names, ",") + ")"
}

// Transcribe tries each engine in order. When all are unavailable the error
// wraps ErrUnavailable and lists each engine's error.
func (p *Pool) Transcribe(ctx context.Context, r Request) (Result, error) {
	var errs []error
	for _, e := range p.engines {
		res, err := e.Transcribe(ctx, r)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return Result{}, err
		}
		errs = append(errs, err)
	}
	return Result{}, fmt.Errorf("all %d engines failed: %w", len(p.engines), errors.Join(errs...))
}

package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/interview"
	"github.com/interviewbot/interviewbot/internal/postgres"
	"github.com/interviewbot/interviewbot/internal/postgres/pgtest"
)

// TestUserWaitsThenReadsTheLatestInterview: a transaction that waits for
// another's lock on the user reads the interview as the other left it.
func TestUserWaitsThenReadsTheLatestInterview(t *testing.T) {
	t.Parallel()
	store := postgres.NewStore(pgtest.Pool(t))
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	var ivID int64
	err := store.InTx(ctx, func(tx interview.Tx) error {
		u, err := tx.User(ctx, "test", "u1", "en")
		if err != nil {
			return err
		}
		iv := &interview.Interview{UserID: u.ID, Track: "demo", QuestionIDs: []string{"q1"}, Status: interview.StatusActive, StartedAt: at}
		if err := tx.CreateInterview(ctx, iv); err != nil {
			return err
		}
		ivID = iv.ID
		return tx.SaveStep(ctx, iv.ID, interview.Step{Position: 1, QuestionID: "q1", AskedAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}

	locked, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- store.InTx(ctx, func(tx interview.Tx) error {
			if _, err := tx.User(ctx, "test", "u1", "en"); err != nil {
				return err
			}
			close(locked)
			<-release
			return tx.SaveStep(ctx, ivID, interview.Step{Position: 1, QuestionID: "q1", AskedAt: at, Answer: "first answer", Answered: true, AnsweredAt: at})
		})
	}()
	<-locked
	second := make(chan *interview.Interview, 1)
	secondErr := make(chan error, 1)
	go func() {
		secondErr <- store.InTx(ctx, func(tx interview.Tx) error {
			u, err := tx.User(ctx, "test", "u1", "en") // waits for the first transaction
			if err != nil {
				return err
			}
			iv, err := tx.ActiveInterview(ctx, u.ID)
			second <- iv
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond) // let the second transaction queue up behind the lock
	close(release)
	if err := errors.Join(<-first, <-secondErr); err != nil {
		t.Fatal(err)
	}
	iv := <-second
	if iv == nil || len(iv.Steps) != 1 || iv.Steps[0].Answer != "first answer" {
		t.Fatalf("the waiting transaction read %+v, want the first answer", iv)
	}
}

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/interviewbot/interviewbot/internal/telegram/fakeapi"
)

// TestTelegramEditsMediaAndStaleButtons: an edited answer replaces the saved
// one while its question is open (the old text is kept); a photo gets
// "please type"; a button of a finished interview is answered politely.
func TestTelegramEditsMediaAndStaleButtons(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	b.startBot(api, "polling", nil)
	u := &chatter{t: t, api: api, user: fakeapi.User{ID: 7101, FirstName: "Ann", LanguageCode: "en"}}
	api.SendText(u.user, "/interview")
	u.press(u.nextKeyboard(), "")
	u.press(u.nextKeyboard(), "3 questions")
	u.next("Question 1 of 3")
	api.SendMedia(u.user, "photo")
	u.next("please type your answer")
	api.SendMedia(u.user, "voice")
	u.next("please type your answer")
	id := api.SendText(u.user, "first draft")
	grades := u.nextKeyboard()
	api.Edit(u.user, id, "the edited answer: expensive and slow reads, more instances, a burst")
	u.next("I've updated your answer")
	var answer string
	var edits int
	_ = b.db.QueryRow(context.Background(), `SELECT answer, (SELECT count(*) FROM answer_edits WHERE answer = 'first draft') FROM interview_steps WHERE position = 1`).Scan(&answer, &edits)
	if answer != "the edited answer: expensive and slow reads, more instances, a burst" || edits != 1 {
		t.Errorf("after the edit: answer %q, %d kept edits", answer, edits)
	}
	api.SendText(u.user, "/stop")
	u.next("Interview stopped")
	u.press(grades, "Good") // a button of the finished interview
	u.next("no longer does anything")
	api.Edit(u.user, id, "edited after the end")
	api.SendText(u.user, "/help")
	u.next("Commands:")
	_ = b.db.QueryRow(context.Background(), `SELECT answer FROM interview_steps WHERE position = 1`).Scan(&answer)
	if answer == "edited after the end" {
		t.Error("an edit after the interview ended changed the answer")
	}
	// Channel posts and reactions are ignored on purpose: no reply, no error.
	api.ChannelPost(-1001, "news")
	api.Forward(u.user, "/help")
	u.next("Commands:")
	var parked int
	_ = b.db.QueryRow(context.Background(), `SELECT count(*) FROM inbox WHERE parked_at IS NOT NULL OR last_error IS NOT NULL`).Scan(&parked)
	if parked != 0 {
		t.Errorf("%d updates failed", parked)
	}
}

// TestTelegramGroups: in a group the bot points people to a private chat,
// in the forum topic they wrote in; a group upgraded to a supergroup gets its
// messages at the new chat id.
func TestTelegramGroups(t *testing.T) {
	t.Parallel()
	b := setup(t)
	api := fakeapi.New(testToken)
	defer api.Close()
	const group, super = -4001, -1004001
	api.Migrate(group, super)
	b.startBot(api, "polling", nil)
	admin := fakeapi.User{ID: 7201, FirstName: "Admin", LanguageCode: "ru"}
	api.AddToGroup(admin, group, "Practice")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := api.Wait(ctx, func(s *fakeapi.Server) bool { return s.MessageCount(super) == 1 }); err != nil {
		t.Fatalf("no message at the supergroup's id after migration")
	}
	if m := api.LastMessage(super); m == nil || !strings.Contains(m.Text, "личных сообщениях") {
		t.Errorf("group message = %+v", m)
	}
	api.SendGroupText(admin, -100777, 55, false, "/interview@interview_test_bot")
	api.SendGroupText(admin, -100777, 0, true, "/start") // an anonymous admin
	api.SendGroupText(admin, -100777, 0, false, "just chatting")
	if err := api.Wait(ctx, func(s *fakeapi.Server) bool { return s.MessageCount(-100777) == 2 }); err != nil {
		t.Fatalf("group commands not answered")
	}
	if m := api.Messages(-100777)[0]; m.Thread != 55 {
		t.Errorf("reply in thread %d, want the topic 55", m.Thread)
	}
	// Plain chatter gets no reply: the next command's reply is the third message.
	api.SendGroupText(admin, -100777, 0, false, "/help")
	if err := api.Wait(ctx, func(s *fakeapi.Server) bool { return s.MessageCount(-100777) >= 3 }); err != nil {
		t.Fatalf("group /help not answered")
	}
	if n := api.MessageCount(-100777); n != 3 {
		t.Errorf("%d messages in the group, want 3", n)
	}
}

package fakeapi

import (
	"encoding/json"
	"fmt"
	"time"
)

// AddUpdate queues an update built from fields (its update_id is set here)
// and returns the update_id.
func (s *Server) AddUpdate(fields map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(fields)
}

func (s *Server) addLocked(fields map[string]any) int64 {
	s.nextUpdate++
	fields["update_id"] = s.nextUpdate
	raw, err := json.Marshal(fields)
	if err != nil {
		panic(fmt.Sprintf("fakeapi: update does not marshal: %v", err)) // a programming error in a test
	}
	s.pending = append(s.pending, update{id: s.nextUpdate, raw: raw})
	s.notify()
	return s.nextUpdate
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": false, "first_name": u.FirstName}
	if u.LanguageCode != "" {
		m["language_code"] = u.LanguageCode
	}
	return m
}

func privateChat(u User) map[string]any {
	return map[string]any{"id": u.ID, "type": "private", "first_name": u.FirstName}
}

// message builds a user's message in a chat with a fresh message id; s.mu must be held.
func (s *Server) message(u User, chat map[string]any, extra map[string]any) map[string]any {
	m := map[string]any{"message_id": s.nextMessage, "date": time.Now().Unix(), "from": u.json(), "chat": chat}
	s.nextMessage++
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// SendText queues a private text message from u and returns its message id.
func (s *Server) SendText(u User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.message(u, privateChat(u), map[string]any{"text": text})
	if len(text) > 0 && text[0] == '/' {
		end := len(text)
		for i, r := range text {
			if r == ' ' || r == '\n' {
				end = i
				break
			}
		}
		m["entities"] = []any{map[string]any{"type": "bot_command", "offset": 0, "length": utf16Len(text[:end])}}
	}
	s.addLocked(map[string]any{"message": m})
	return m["message_id"].(int64)
}

// SendMedia queues a private message of a kind other than text: "photo",
// "sticker", "voice", "document", "video", "location", "contact" or "poll".
func (s *Server) SendMedia(u User, kind string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	file := map[string]any{"file_id": "AgAD" + kind, "file_unique_id": "u" + kind}
	var extra map[string]any
	switch kind {
	case "photo":
		extra = map[string]any{"photo": []any{map[string]any{"file_id": "AgADphoto", "file_unique_id": "uphoto", "width": 90, "height": 90}}, "caption": "my answer is in the picture"}
	case "sticker":
		extra = map[string]any{"sticker": map[string]any{"file_id": "CAAD", "file_unique_id": "usticker", "type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}}
	case "voice":
		extra = map[string]any{"voice": map[string]any{"file_id": "AwAD", "file_unique_id": "uvoice", "duration": 7, "mime_type": "audio/ogg"}}
	case "location":
		extra = map[string]any{"location": map[string]any{"latitude": 59.91, "longitude": 10.75}}
	case "contact":
		extra = map[string]any{"contact": map[string]any{"phone_number": "+4700000000", "first_name": u.FirstName}}
	case "poll":
		extra = map[string]any{"poll": map[string]any{"id": "p1", "question": "?", "options": []any{}, "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false}}
	default:
		extra = map[string]any{kind: file}
	}
	m := s.message(u, privateChat(u), extra)
	s.addLocked(map[string]any{"message": m})
	return m["message_id"].(int64)
}

// Reply queues a private message from u that replies to the bot's message
// to (as it is now, with its current buttons), and returns its message id.
func (s *Server) Reply(u User, to Message, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages {
		if m.ChatID == to.ChatID && m.ID == to.ID {
			to = *m
		}
	}
	m := s.message(u, privateChat(u), map[string]any{"text": text, "reply_to_message": s.messageJSON(&to)})
	s.addLocked(map[string]any{"message": m})
	return m["message_id"].(int64)
}

// Forward queues a private message that u forwarded from someone else.
func (s *Server) Forward(u User, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.message(u, privateChat(u), map[string]any{
		"text":           text,
		"forward_origin": map[string]any{"type": "hidden_user", "sender_user_name": "Someone", "date": time.Now().Unix() - 60},
	})
	s.addLocked(map[string]any{"message": m})
	return m["message_id"].(int64)
}

// Edit queues an edited_message: u changed their message id to text.
func (s *Server) Edit(u User, id int64, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]any{"message_id": id, "date": time.Now().Unix() - 5, "edit_date": time.Now().Unix(), "from": u.json(), "chat": privateChat(u), "text": text}
	s.addLocked(map[string]any{"edited_message": m})
}

// Press queues a callback query: u pressed the button with data under the
// bot's message m. It returns the callback query id.
func (s *Server) Press(u User, m Message, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("cq%d", s.nextUpdate+1)
	s.callbacks[id] = false
	msg := s.messageJSON(&m)
	s.addLocked(map[string]any{"callback_query": map[string]any{
		"id": id, "from": u.json(), "message": msg, "chat_instance": fmt.Sprint(m.ChatID), "data": data,
	}})
	return id
}

// SetMember queues a my_chat_member update: in u's private chat the bot's
// status went from old to new ("member", "kicked").
func (s *Server) SetMember(u User, old, new string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bot := map[string]any{"id": 1, "is_bot": true, "first_name": "Interview Bot", "username": "interview_test_bot"}
	s.addLocked(map[string]any{"my_chat_member": map[string]any{
		"chat": privateChat(u), "from": u.json(), "date": time.Now().Unix(),
		"old_chat_member": map[string]any{"status": old, "user": bot},
		"new_chat_member": map[string]any{"status": new, "user": bot, "until_date": 0},
	}})
}

// AddToGroup queues the my_chat_member update of u adding the bot to a group.
func (s *Server) AddToGroup(u User, group int64, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bot := map[string]any{"id": 1, "is_bot": true, "first_name": "Interview Bot", "username": "interview_test_bot"}
	s.addLocked(map[string]any{"my_chat_member": map[string]any{
		"chat": map[string]any{"id": group, "type": "supergroup", "title": title}, "from": u.json(), "date": time.Now().Unix(),
		"old_chat_member": map[string]any{"status": "left", "user": bot},
		"new_chat_member": map[string]any{"status": "member", "user": bot},
	}})
}

// SendGroupText queues a text message from u in a group; thread is the forum
// topic (0 for none); anonymous sends it as the group itself, like an
// anonymous admin.
func (s *Server) SendGroupText(u User, group int64, thread int64, anonymous bool, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat := map[string]any{"id": group, "type": "supergroup", "title": "Practice room", "is_forum": thread != 0}
	extra := map[string]any{"text": text}
	if thread != 0 {
		extra["message_thread_id"] = thread
		extra["is_topic_message"] = true
	}
	if anonymous {
		extra["sender_chat"] = chat
	}
	m := s.message(u, chat, extra)
	if anonymous {
		m["from"] = map[string]any{"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}
	}
	s.addLocked(map[string]any{"message": m})
	return m["message_id"].(int64)
}

// ChannelPost queues a post in a channel the bot is in.
func (s *Server) ChannelPost(channel int64, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMessage++
	s.addLocked(map[string]any{"channel_post": map[string]any{
		"message_id": s.nextMessage, "date": time.Now().Unix(), "text": text,
		"chat":        map[string]any{"id": channel, "type": "channel", "title": "News"},
		"sender_chat": map[string]any{"id": channel, "type": "channel", "title": "News"},
	}})
}

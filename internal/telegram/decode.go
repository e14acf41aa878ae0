package telegram

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/go-telegram/bot/models"

	"github.com/interviewbot/interviewbot/internal/interview"
)

// Platform is the platform name of Telegram users and chats.
const Platform = "telegram"

// decoded is what one update means to the bot.
type decoded struct {
	event      *interview.Event // nil: nothing for the engine
	callbackID string           // a button press to answer
	pressedIn  *models.Message  // the message whose button was pressed
	why        string           // why the update is ignored, for the log
}

// chatOnly is the part of an Update that ChatKey reads: decoding only
// these fields is much cheaper than decoding a whole models.Update.
type chatOnly struct {
	ID      int64 `json:"update_id"`
	Message *struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"message"`
	EditedMessage *struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"edited_message"`
	CallbackQuery *struct {
		From struct {
			ID int64 `json:"id"`
		} `json:"from"`
		Message *struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		} `json:"message"`
	} `json:"callback_query"`
	MyChatMember *struct {
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
	} `json:"my_chat_member"`
}

// ChatKey returns the key that orders an update among others: updates with
// the same key are handled one at a time in update_id order. It is the chat
// id, or "" for updates that belong to no chat.
func ChatKey(raw []byte) (updateID int64, key string, err error) {
	var u chatOnly
	if err := json.Unmarshal(raw, &u); err != nil {
		return 0, "", fmt.Errorf("error decoding update: %w", err)
	}
	if u.ID == 0 {
		return 0, "", fmt.Errorf("update has no update_id")
	}
	switch {
	case u.Message != nil:
		return u.ID, itoa(u.Message.Chat.ID), nil
	case u.EditedMessage != nil:
		return u.ID, itoa(u.EditedMessage.Chat.ID), nil
	case u.CallbackQuery != nil:
		// An accessible or inaccessible message: both carry the chat.
		if m := u.CallbackQuery.Message; m != nil && m.Chat.ID != 0 {
			return u.ID, itoa(m.Chat.ID), nil
		}
		return u.ID, itoa(u.CallbackQuery.From.ID), nil
	case u.MyChatMember != nil:
		return u.ID, itoa(u.MyChatMember.Chat.ID), nil
	}
	return u.ID, "", nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// decode turns a raw Update into an event. Every kind of update decodes
// without error; the ones the bot does not act on are ignored on purpose,
// with the reason in why.
func decode(raw []byte) (decoded, error) {
	var u models.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		return decoded{}, fmt.Errorf("error decoding update: %w", err)
	}
	switch {
	case u.Message != nil:
		return decodeMessage(u.Message, false), nil
	case u.EditedMessage != nil:
		return decodeMessage(u.EditedMessage, true), nil
	case u.CallbackQuery != nil:
		return decodeCallback(u.CallbackQuery), nil
	case u.MyChatMember != nil:
		return decodeMember(u.MyChatMember), nil
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
		return decoded{why: "channel post"}, nil
	}
	return decoded{why: "update kind the bot does not use"}, nil
}

func decodeMessage(m *models.Message, edited bool) decoded {
	ev := &interview.Event{
		Platform:  Platform,
		ChatID:    itoa(m.Chat.ID),
		MessageID: itoa(int64(m.ID)),
		Text:      m.Text,
	}
	switch m.Chat.Type {
	case models.ChatTypePrivate:
	case models.ChatTypeGroup, models.ChatTypeSupergroup:
		ev.Group = true
		if m.IsTopicMessage && m.MessageThreadID != 0 {
			ev.Thread = strconv.Itoa(m.MessageThreadID)
		}
	default:
		return decoded{why: "message in a " + string(m.Chat.Type)}
	}
	switch {
	case m.SenderChat != nil: // an anonymous group admin, or a linked channel
		ev.UserID = "chat" + itoa(m.SenderChat.ID)
	case m.From != nil && !m.From.IsBot:
		ev.UserID = itoa(m.From.ID)
		ev.Locale = m.From.LanguageCode
	default:
		return decoded{why: "message without a human sender"}
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.IsBot && r.ReplyMarkup != nil {
		if rows := r.ReplyMarkup.InlineKeyboard; len(rows) > 0 && len(rows[0]) > 0 {
			ev.ReplyData = rows[0][0].CallbackData
		}
	}
	switch {
	case edited && m.Text != "":
		ev.Kind = interview.KindEdit
	case edited:
		return decoded{why: "edited media"}
	case m.Text == "" && hasContent(m):
		ev.Kind = interview.KindNonText
	case m.Text == "":
		return decoded{why: "service message"}
	}
	return decoded{event: ev}
}

// hasContent reports whether a message without text carries something a
// user sent on purpose (as opposed to a service message).
func hasContent(m *models.Message) bool {
	return len(m.Photo) > 0 || m.Sticker != nil || m.Voice != nil || m.Audio != nil || m.Document != nil ||
		m.Video != nil || m.VideoNote != nil || m.Animation != nil || m.Location != nil || m.Contact != nil ||
		m.Poll != nil || m.Dice != nil || m.Venue != nil || m.Caption != ""
}

func decodeCallback(q *models.CallbackQuery) decoded {
	d := decoded{callbackID: q.ID}
	chat := q.From.ID
	chatType := models.ChatTypePrivate
	thread, messageID := "", ""
	if m := q.Message.Message; m != nil {
		chat, chatType, d.pressedIn, messageID = m.Chat.ID, m.Chat.Type, m, itoa(int64(m.ID))
		if m.IsTopicMessage && m.MessageThreadID != 0 {
			thread = strconv.Itoa(m.MessageThreadID)
		}
	} else if m := q.Message.InaccessibleMessage; m != nil {
		chat = m.Chat.ID
	}
	if q.Data == "" {
		d.why = "button without data"
		return d
	}
	d.event = &interview.Event{
		Platform: Platform, UserID: itoa(q.From.ID), ChatID: itoa(chat), Thread: thread,
		Group:  chatType == models.ChatTypeGroup || chatType == models.ChatTypeSupergroup,
		Locale: q.From.LanguageCode, Data: q.Data, MessageID: messageID,
	}
	return d
}

func decodeMember(m *models.ChatMemberUpdated) decoded {
	ev := &interview.Event{Platform: Platform, UserID: itoa(m.From.ID), ChatID: itoa(m.Chat.ID), Locale: m.From.LanguageCode}
	old, now := m.OldChatMember.Type, m.NewChatMember.Type
	in := func(t models.ChatMemberType) bool {
		return t == models.ChatMemberTypeMember || t == models.ChatMemberTypeAdministrator || t == models.ChatMemberTypeOwner
	}
	switch {
	case m.Chat.Type == models.ChatTypePrivate && now == models.ChatMemberTypeBanned:
		ev.Kind = interview.KindBlocked
	case m.Chat.Type == models.ChatTypePrivate && in(now):
		ev.Kind = interview.KindUnblocked
	case (m.Chat.Type == models.ChatTypeGroup || m.Chat.Type == models.ChatTypeSupergroup) && in(now) && !in(old):
		ev.Kind, ev.Group = interview.KindAddedToGroup, true
	default:
		return decoded{why: fmt.Sprintf("membership change %s → %s in a %s", old, now, m.Chat.Type)}
	}
	return decoded{event: ev}
}

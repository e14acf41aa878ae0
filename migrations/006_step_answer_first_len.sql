-- The part of an interview answer that came in answer_message_id (the rest
-- was added after), so that editing that message changes only its part.
-- 0: not known (answers saved before this column), the whole answer.
ALTER TABLE interview_steps ADD COLUMN answer_first_len int NOT NULL DEFAULT 0;

-- 全文检索 Full-text search over cases. The words are segmented by jieba in the application
-- (xinfang_text::segment::index_words: search mode, normalised, punctuation and stop words
-- dropped) and written as a tsvector literal with their positions — no text search parser or
-- dictionary touches them, so Chinese words are kept exactly as segmented (the queries are
-- tsquery literals of the same words). `body` is the text the result snippets are cut from.
-- Cases registered before this version are indexed once by the application at start-up.
CREATE TABLE case_search (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    doc TSVECTOR NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX case_search_doc ON case_search USING GIN (doc);

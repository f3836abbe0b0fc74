-- 全文检索 Full-text search over cases. The words are segmented by jieba in the application
-- (xinfang_text::segment::index_words: search mode, normalised, punctuation and stop words
-- dropped) and stored joined by spaces, so FTS5's unicode61 tokenizer only splits on the spaces
-- (a run of Chinese characters is one token). rowid = cases.id. `body` is the text the result
-- snippets are cut from (statement, demands, replies, places, units), not indexed.
-- Cases registered before this version are indexed once by the application at start-up.
CREATE VIRTUAL TABLE case_search USING fts5(tokens, body UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');

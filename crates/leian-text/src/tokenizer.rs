//! The tantivy tokenizer that runs [`Analyzer::terms`](crate::Analyzer::terms), keeping byte offsets
//! for highlighting.

use crate::analyzer::analyzer;
use tantivy_tokenizer_api::{Token, TokenStream, Tokenizer};

/// Name under which the tokenizer is registered in an index.
pub const TOKENIZER_NAME: &str = "leian_legal_zh";

/// jieba + legal dictionary, as a tantivy tokenizer.
#[derive(Debug, Clone, Default)]
pub struct LegalTokenizer;

/// The terms of one text, handed out one by one.
pub struct LegalTokenStream {
    tokens: Vec<Token>,
    current: usize,
}

impl Tokenizer for LegalTokenizer {
    type TokenStream<'a> = LegalTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> LegalTokenStream {
        let tokens = analyzer()
            .terms(text)
            .into_iter()
            .enumerate()
            .map(|(position, term)| Token {
                offset_from: term.start,
                offset_to: term.end,
                position,
                text: term.text,
                position_length: 1,
            })
            .collect();
        LegalTokenStream { tokens, current: 0 }
    }
}

impl TokenStream for LegalTokenStream {
    fn advance(&mut self) -> bool {
        // `current` is one past the token handed out last.
        if self.current < self.tokens.len() {
            self.current += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.current - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.current - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_every_term_with_offsets() {
        let mut tokenizer = LegalTokenizer;
        let text = "被告人犯盗窃罪";
        let mut stream = tokenizer.token_stream(text);
        let mut seen = Vec::new();
        while stream.advance() {
            let token = stream.token();
            seen.push((
                token.text.clone(),
                text[token.offset_from..token.offset_to].to_string(),
            ));
        }
        assert!(seen.iter().any(|(t, _)| t == "盗窃罪"), "{seen:?}");
        assert!(seen.iter().all(|(_, original)| !original.is_empty()));
    }
}

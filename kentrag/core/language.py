"""Turkish/English language detection and Turkish-aware casefolding and tokenisation."""

from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"[^\W_]+")
_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
_TURKISH_LETTER_WEIGHT = 0.5
# Keyword tokens are cut to this many characters: suffix-tolerant Turkish matching (BENCHMARKS.md).
PREFIX_LENGTH = 5

# fmt: off
_TURKISH_STOPWORDS = frozenset({
    "ve", "veya", "ya", "ile", "ama", "fakat", "ancak", "çünkü", "ki", "de", "da", "mi", "mı", "mu", "mü",
    "midir", "mıdır", "bir", "bu", "şu", "o", "bunlar", "şunlar", "onlar", "bunu", "onu", "bunun", "onun",
    "için", "gibi", "kadar", "göre", "sonra", "önce", "çok", "daha", "en", "her", "hem", "ise", "değil",
    "var", "yok", "olarak", "olan", "olduğu", "oldu", "üzere", "üzerine", "arasında", "tarafından",
    "hakkında", "ilgili", "ayrıca", "yani", "ne", "neden", "niçin", "nasıl", "nerede", "nereden", "nereye",
    "hangi", "hangisi", "kim", "kimler", "kimdir", "kaç", "zaman", "nedir", "nelerdir", "neler",
})

_ENGLISH_STOPWORDS = frozenset({
    "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "from", "as",
    "about", "into", "over", "after", "before", "is", "are", "was", "were", "be", "been", "being", "has",
    "have", "had", "do", "does", "did", "will", "would", "can", "could", "should", "it", "its", "this",
    "that", "these", "those", "there", "their", "they", "them", "he", "she", "his", "her", "we", "our",
    "you", "your", "not", "no", "also", "than", "then", "which", "who", "whom", "whose", "what", "when",
    "where", "why", "how",
})
# fmt: on
# The months in order, casefolded (Turkish-aware).
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                  "november", "december")
TURKISH_MONTHS = ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
                  "kasım", "aralık")


def turkish_casefold(text: str) -> str:
    """Lowercase with Turkish rules (İ→i, I→ı); other letters as str.lower; NFC result."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("İ", "i").replace("I", "ı")
    return unicodedata.normalize("NFC", text.lower())


def tokenize_words(text: str) -> list[str]:
    """Turkish-casefolded word tokens (letters/digits); apostrophes, hyphens and punctuation split."""
    return _WORD_RE.findall(turkish_casefold(text))


def keyword_tokens(text: str, prefix: int = PREFIX_LENGTH) -> list[str]:
    """Casefolded word tokens cut to their first `prefix` characters (0 keeps whole words), dotless ı as i
    (English capitals fold to ı, and Turkish is often typed without Turkish letters)."""
    words = [w.replace("ı", "i") for w in tokenize_words(text)]
    return [w[:prefix] for w in words] if prefix else words


def is_stopword(word: str) -> bool:
    """True for a Turkish or English function word (any case)."""
    folded = turkish_casefold(word)
    return folded in _TURKISH_STOPWORDS or folded.replace("ı", "i") in _ENGLISH_STOPWORDS


def detect_language(text: str) -> str:
    """Return "tr" or "en" for a question or document ("en" when there is no signal): by stopword hits, and a
    weight for words with Turkish letters."""
    turkish = english = 0.0
    for word in _WORD_RE.findall(unicodedata.normalize("NFC", text)):
        folded = turkish_casefold(word)
        if folded in _TURKISH_STOPWORDS:
            turkish += 1
        elif folded.replace("ı", "i") in _ENGLISH_STOPWORDS:
            english += 1
        elif _TURKISH_LETTERS.intersection(word):
            turkish += _TURKISH_LETTER_WEIGHT
    return "tr" if turkish > english else "en"

"""Ukrainian-aware text analysis for the index: words, apostrophes, lemmas, English stems.

Whoosh pickles the analyzer into the index, so this module must keep its dotted path for
as long as an index built with it exists (`cop search rebuild` makes a new one).

- Apostrophes: Ukrainians type ' ’ ʼ ` ‘ (and more) for the same letter; the tokenizer keeps
  any of them inside a word and the filter maps them to ', as pymorphy3's dictionary does.
- Mixed scripts: Latin look-alikes inside a Cyrillic word ("ЦНAП" with a Latin A) become
  Cyrillic; all-Latin words are English and get the Porter2 stem.
- Lemmas: every distinct normal form pymorphy3 offers for a word, at the same position
  (like synonyms), because its first guess is often wrong ("старости": старість/староста;
  "рік": рік/ріка). A query word becomes an OR of its lemmas; phrases keep positions.
- Normalisation is one to one on the token text, so offsets stay right for highlighting.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer, StopFilter
from whoosh.lang.porter2 import stem as english_stem

APOSTROPHES = "'\u2019\u02bc`\u2018\u00b4\u02b9\u2032"
WORD = r"\w+(?:[" + APOSTROPHES + r"]\w+)*"
WORD_RE = re.compile(WORD)
_APOSTROPHE_MAP = {ord(c): "'" for c in APOSTROPHES}
_LOOKALIKES = {
    ord(latin): cyrillic
    for latin, cyrillic in zip("ABCEHIKMOPTXYaceiopxyk", "АВСЕНІКМОРТХУасеіорхук", strict=True)
}
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")

UK_STOP = frozenset(
    [
        "а",
        "або",
        "адже",
        "але",
        "б",
        "без",
        "би",
        "бо",
        "був",
        "була",
        "були",
        "було",
        "бути",
        "в",
        "вам",
        "вас",
        "ваш",
        "ваша",
        "ваше",
        "ваші",
        "весь",
        "вона",
        "вони",
        "воно",
        "все",
        "всі",
        "вже",
        "ви",
        "від",
        "він",
        "де",
        "для",
        "до",
        "же",
        "ж",
        "з",
        "за",
        "зі",
        "із",
        "й",
        "його",
        "її",
        "їй",
        "їх",
        "і",
        "к",
        "коли",
        "котрий",
        "котра",
        "куди",
        "лише",
        "між",
        "ми",
        "мене",
        "мені",
        "мій",
        "на",
        "над",
        "навіть",
        "нам",
        "нас",
        "наш",
        "наша",
        "наше",
        "наші",
        "не",
        "неї",
        "нею",
        "ним",
        "них",
        "ні",
        "ніж",
        "о",
        "об",
        "однак",
        "от",
        "ось",
        "по",
        "поки",
        "при",
        "про",
        "проте",
        "та",
        "так",
        "також",
        "там",
        "те",
        "теж",
        "ти",
        "то",
        "тобто",
        "тож",
        "той",
        "тому",
        "тут",
        "у",
        "хоча",
        "хто",
        "це",
        "цей",
        "ці",
        "ця",
        "цю",
        "чи",
        "через",
        "що",
        "щоб",
        "щодо",
        "як",
        "яка",
        "яке",
        "який",
        "які",
        "якщо",
        "є",
    ]
)
EN_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "have",
        "if",
        "in",
        "is",
        "it",
        "may",
        "not",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "us",
        "we",
        "will",
        "with",
        "yet",
        "you",
        "your",
    ]
)


def normalize(word: str) -> str:
    """Apostrophes unified, Latin look-alikes in Cyrillic words folded, lowercase, ё -> е."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word).translate(_APOSTROPHE_MAP)
        if _CYRILLIC.search(word) and _LATIN.search(word):
            word = word.translate(_LOOKALIKES)
    return word.lower().replace("ё", "е")


def fold(word: str) -> str:
    """ґ -> г, so either letter finds both."""
    return word.replace("ґ", "г")


_morph = None


def _analyzer():
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer(lang="uk")
    return _morph


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """The terms a normalized word is indexed and searched under: every distinct normal
    form for Ukrainian words, the Porter2 stem for English ones, the word itself else."""
    if word.isascii():
        if word.endswith("'s"):
            word = word[:-2]
        return (english_stem(word),) if word.isalpha() else (word,)
    if len(word) < 2 or not _CYRILLIC.search(word):
        return (word,)
    found: list[str] = []
    for parse in _analyzer().parse(word):
        lemma = fold(parse.normal_form)
        if lemma not in found:
            found.append(lemma)
    return tuple(found) or (fold(word),)


class NormalizeFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = normalize(token.text)
            yield token


class LemmaFilter(Filter):
    """Every lemma of a word at the word's position."""

    def __call__(self, tokens):
        for token in tokens:
            for lemma in lemmas(token.text):
                token.text = lemma
                yield token


def text_analyzer():
    return (
        RegexTokenizer(WORD)
        | NormalizeFilter()
        | StopFilter(stoplist=UK_STOP | EN_STOP, minsize=1)
        | LemmaFilter()
    )


def query_words(text: str) -> list[str]:
    """The normalized words of a piece of a query, stop words left out."""
    words = [normalize(w) for w in WORD_RE.findall(text)]
    return [w for w in words if w not in UK_STOP and w not in EN_STOP]

"""Ukrainian-aware text analysis for the index: words, apostrophes, lemmas, English stems.

Whoosh pickles the analyzer into the index, so this module must keep its dotted path for
as long as an index built with it exists (`cop search rebuild` makes a new one).

- Apostrophes: Ukrainians type ' ’ ʼ ` ‘ ʻ ＇ (and more) for the same letter; the tokenizer
  keeps any of them inside a word and the filter maps them to ', as pymorphy3's dictionary
  does. A word typed without its apostrophe ("сімя", "обєднана") is also looked up with
  one where Ukrainian spelling puts it.
- One spelling per word: NFC (text in NFD is the same word), soft hyphens dropped (the
  tokenizer keeps them, and combining marks, inside a word), fullwidth Latin and digits
  as ASCII.
- Mixed scripts: look-alike letters follow the word's other letters: Latin ones inside a
  Cyrillic word ("ЦНAП" with a Latin A) become Cyrillic, Cyrillic ones inside a Latin word
  ("cоmmunity" with a Cyrillic о) Latin; all-Latin words are English and get the Porter2
  stem.
- Lemmas: every distinct normal form pymorphy3 offers for a word, at the same position
  (like synonyms), because its first guess is often wrong ("старости": старість/староста;
  "рік": рік/ріка). A query word becomes an OR of its lemmas; phrases keep positions.
- Exact forms: the words once more as written (normalized, neither lemmas nor stems), for
  quoted words and phrases and excluded words ("-subjective" leaves "subject" alone).
- Normalisation is one to one on the token text, so offsets stay right for highlighting.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer, StopFilter
from whoosh.lang.porter2 import stem as english_stem

from cop.search.derivation import noun_of

APOSTROPHES = "'\u2019\u02bc`\u2018\u00b4\u02b9\u2032\u02bb\uff07"
SOFT_HYPHEN = "\u00ad"
_LETTERS = r"\w[\w\u0300-\u036f" + SOFT_HYPHEN + r"]*"  # combining marks: text in NFD
WORD = _LETTERS + r"(?:[" + APOSTROPHES + r"]" + _LETTERS + r")*"
WORD_RE = re.compile(WORD)
_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ" + (
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
)
_ONE_SPELLING = {ord(c): "'" for c in APOSTROPHES} | {
    ord(c): chr(ord(c) - 0xFEE0) for c in _FULLWIDTH
}
_ONE_SPELLING[ord(SOFT_HYPHEN)] = None
_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES = "ABCEHIKMOPTXYaceiopxyk", "АВСЕНІКМОРТХУасеіорхук"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_ONLY_CYRILLIC = re.compile(r"[^\W\da-zA-Z" + _CYRILLIC_LOOKALIKES + r"]")
_ONLY_LATIN = re.compile(r"[a-zA-Z]")
# Where Ukrainian spelling puts an apostrophe: after б п в м ф р before я ю є ї.
_MISSING_APOSTROPHE = re.compile(r"(?<=[бпвмфр])(?=[яюєї])")

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
    """Apostrophes unified, soft hyphens dropped, fullwidth Latin as ASCII, NFC, look-alike
    letters in the script of the word's other letters, lowercase, ё -> е."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word.translate(_ONE_SPELLING))
        if _CYRILLIC.search(word) and _LATIN.search(word):
            latin = len(_ONLY_LATIN.findall(word.translate(_TO_CYRILLIC)))
            cyrillic = len(_ONLY_CYRILLIC.findall(word))
            word = word.translate(_TO_LATIN if latin > cyrillic else _TO_CYRILLIC)
    return word.lower().replace("ё", "е")


def _spellings(word: str) -> tuple[str, ...]:
    """The word, and its spelling with the apostrophe the typist may have left out ("сімя"
    -> "сім'я") if the dictionary has that one and knows the word as typed not at all or
    only as a distortion ("звязок"). A word it knows stays as it is (not "бюджет" ->
    "б'юджет", which it has as a rare variant)."""
    if "'" in word or not _MISSING_APOSTROPHE.search(word):
        return (word,)
    morph = _analyzer()
    if morph.word_is_known(word) and not all("Dist" in p.tag for p in morph.parse(word)):
        return (word,)
    spelled = _MISSING_APOSTROPHE.sub("'", word)
    return (word, spelled) if morph.word_is_known(spelled) else (word,)


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
    for lemma, _parse in parses(word):
        if lemma not in found:
            found.append(lemma)
    return tuple(found) or (fold(word),)


def parses(word: str):
    """pymorphy3's parses of a normalized Cyrillic word (and of its spelling with the
    apostrophe left out), each with its lemma as the index holds it (ґ folded)."""
    for spelling in _spellings(word):
        for parse in _analyzer().parse(spelling):
            yield fold(parse.normal_form), parse


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


class DeriveFilter(Filter):
    """The noun each lemma is derived from (cop/search/derivation.py), at the word's
    position; a word derived from no noun leaves nothing."""

    def __call__(self, tokens):
        for token in tokens:
            noun = noun_of(token.text)
            if noun is not None:
                token.text = noun
                yield token


class FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


def exact_analyzer():
    """The words as written (normalized, ґ folded), neither lemmas nor stems: what a
    quoted word or phrase and an excluded word match."""
    return (
        RegexTokenizer(WORD)
        | NormalizeFilter()
        | StopFilter(stoplist=UK_STOP | EN_STOP, minsize=1)
        | FoldFilter()
    )


def derived_analyzer():
    return text_analyzer() | DeriveFilter()


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

from cop.collation import uk_sort_key


def test_ukrainian_alphabetical_order():
    names = [
        "Юрій",
        "Ірина",
        "Адміністратор",
        "Євген",
        "Ґанна",
        "Іван",
        "Їжак",
        "Гнат",
        "Иван",
        "zoe",
        "Яна",
    ]
    assert sorted(names, key=uk_sort_key) == [
        "Адміністратор",
        "Гнат",
        "Ґанна",
        "Євген",
        "Иван",
        "Іван",
        "Ірина",
        "Їжак",
        "Юрій",
        "Яна",
        "zoe",
    ]

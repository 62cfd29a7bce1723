from cop.collation import person_sort_key, uk_sort_key


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


def test_people_sort_by_surname_then_given_name():
    names = [
        "Ірина Шевченко",
        "Андрій Яковенко",
        "Євген Бондар",
        "Ганна Ґудзь",
        "Олег Гнатюк",
        "Яна Їжакевич",
        "Ігор Іваненко",
        "Богдан Єрмак",
        "Анна Шевченко",
        "Admin",
    ]
    assert [n for n in sorted(names, key=person_sort_key)] == [
        "Євген Бондар",
        "Олег Гнатюк",
        "Ганна Ґудзь",
        "Богдан Єрмак",
        "Ігор Іваненко",
        "Яна Їжакевич",
        "Анна Шевченко",
        "Ірина Шевченко",
        "Андрій Яковенко",
        "Admin",
    ]

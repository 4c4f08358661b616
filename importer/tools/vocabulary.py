"""What lead-sheet headers are called, in the languages lead sheets come in.

English, Hindi, Spanish, Portuguese, French, German, Italian, Dutch, Indonesian, Arabic, Russian,
Chinese, Japanese, Korean, Turkish, Polish, Vietnamese, Thai, Nordic, Finnish, Czech, Romanian, Hungarian, Greek,
Hebrew, Urdu, Bengali, Tamil and other Indian languages' headers for the lead's name, first and last name, phone, email, city,
company and country, plus the CRM exports' own forms (vCard ``n_given``, Bitrix ``LAST_NAME``,
Dolibarr ``Name* (s.nom)``). Headers are compared as :func:`header_key` makes them: case, spacing,
punctuation and accents ignored (``Prénom`` is ``prenom``, ``Teléfono`` is ``telefono``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from importer.config import normalize_header


@functools.lru_cache(maxsize=1 << 17)  # each header is asked about by every field's rule, in several passes
def header_key(text: str) -> str:
    """A header for matching: case, spacing, punctuation and accents ignored (``Prénom`` → ``prenom``)."""
    return normalize_header(unicodedata.normalize("NFKD", text))


def header_tokens(text: str) -> list[str]:
    """A header's words, as :func:`header_key` makes each: ``tel_work`` → tel, work; ``leadSource`` → lead, source."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=1 << 17)  # each header is asked about by every field's rule, in several passes
def _tokens(text: str) -> tuple[str, ...]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return tuple(k for k in (header_key(w) for w in re.split(r"[\W_]+", spaced)) if k)


def keys(*phrases: str) -> frozenset[str]:
    """The header keys of ``phrases`` (each a header as people write it)."""
    return frozenset(header_key(p) for p in phrases)


def _words(text: str) -> frozenset[str]:
    return keys(*text.split())


PHONE_EXACT = _words(
    "mobile mobileno mobilenumber mobilenum mob mobno mobilephone phone phoneno phonenumber phonenum phno contact "
    "contactno contactnumber contactnum cellno cellnumber cellphone telephone telno telephoneno telephonenumber "
    "msisdn primaryphone primarymobile primarycontact customermobile customermobileno customerphone customercontact "
    "custmobile custmobileno custphone custcontact leadphone leadmobile mobile1 phone1 contact1 "
    "telefono telefone telefon telefoon telepon movil celular cellulare portable mobil mobiel handy gsm ponsel "
    "handphone hp nohp nomorhp nomortelepon notelp telp telemovel телефон мобильный сотовый هاتف الهاتف جوال الجوال موبايل "
    "手机 手机号 手机号码 电话 电话号码 联系电话 移动电话 電話 電話番号 携帯 携帯電話 携帯番号 전화 전화번호 휴대폰 "
    "휴대폰번호 핸드폰 휴대전화 मोबाइल फोन फ़ोन sampark samparkno samparknumber samparksutra संपर्क सम्पर्क"
) | keys(
    "número de teléfono", "número de celular", "teléfono móvil", "telefone celular", "número de telefone",
    "numéro de téléphone", "téléphone portable", "tél portable", "telefonnummer", "mobilnummer", "mobiltelefon",
    "handynummer", "numero di telefono", "numero di cellulare", "telefoonnummer", "mobiel nummer", "nomor hp",
    "no. hp", "nomor whatsapp", "номер телефона", "мобильный телефон", "رقم الهاتف", "رقم الجوال", "رقم الموبايل",
    "मोबाइल नंबर", "फ़ोन नंबर", "फोन नंबर", "கைபேசி", "கைபேசி எண்", "தொலைபேசி", "தொலைபேசி எண்", "மொபைல்",
    "மொபைல் எண்", "cep telefonu", "telefon numarası", "cep no", "telefon komórkowy", "numer telefonu",  # noqa: RUF001 (Turkish's dotless i)
    "số điện thoại", "điện thoại", "sđt", "เบอร์โทร", "เบอร์โทรศัพท์", "โทรศัพท์", "เบอร์มือถือ",
    "matkapuhelin", "puhelin", "puhelinnumero", "telefonszám", "mobilszám", "telefon mobil", "număr de telefon",
    "mobilní telefon", "telefonní číslo", "موبائل", "موبائل نمبر", "فون نمبر", "মোবাইল", "মোবাইল নম্বর", "ফোন",
    "ফোন নম্বর", "טלפון", "נייד", "טלפון נייד", "מספר טלפון", "τηλέφωνο", "κινητό", "κινητό τηλέφωνο", "मोबाईल",
    "मोबाईल नंबर", "મોબાઇલ", "મોબાઇલ નંબર", "మొబైల్", "మొబైల్ నంబర్", "ಮೊಬೈಲ್", "ಮೊಬೈಲ್ ಸಂಖ್ಯೆ", "മൊബൈൽ",
    "മൊബൈൽ നമ്പർ", "ਮੋਬਾਈਲ", "ਮੋਬਾਈਲ ਨੰਬਰ",
)  # fmt: skip
PHONE_WEAK = _words(
    "number cell tel tél ph whatsapp whatsappno whatsappnumber contactdetails contactinfo wa nowa sms"
) | keys("联系方式", "연락처", "Kontakt", "contacto", "contato")
PHONE_TOKENS = _words(
    "phone mobile cell cellular tel telephone telefono telefone telefon telefoon telepon movil celular cellulare "
    "mobil mobiel handy gsm ponsel whatsapp wa sms телефон мобильный сотовый komórkowy"
)
PHONE_FRAGMENTS = (
    "mobile", "phone", "whatsapp", "contactno", "contactnum", "cellno", "telno", "telefon", "telefoon", "telepon",
    "celular", "cellulare", "movil", "handy", "mobiel", "mobil", "телефон", "мобильн", "هاتف", "جوال", "موبايل",
    "手机", "电话", "電話", "携帯", header_key("전화"), header_key("휴대폰"), header_key("핸드폰"),
    header_key("मोबाइल"), header_key("கைபேசி"), header_key("தொலைபேசி"), header_key("மொபைல்"), "puhelin",
    header_key("موبائل"), header_key("মোবাইল"), header_key("טלפון"), header_key("נייד"), header_key("τηλέφωνο"),
    header_key("κινητό"), header_key("मोबाईल"),
)  # fmt: skip
MOBILE_WORDS = (
    "mobile", "cellphone", "movil", "celular", "cellulare", "portable", "handy", "mobil", "mobiel", "ponsel",
    "handphone", "whatsapp", "мобильн", "сотов", "جوال", "موبايل", "手机", "携帯", header_key("휴대"),
    header_key("핸드폰"), header_key("मोबाइल"), header_key("கைபேசி"), header_key("மொபைல்"), "matkapuhelin",
    header_key("موبائل"), header_key("মোবাইল"), header_key("נייד"), header_key("κινητό"), header_key("मोबाईल"),
)  # fmt: skip
MOBILE_TOKENS = _words("mob cell gsm hp wa sms")
"""Words that make a phone column a mobile column (listed first among a lead's phones)."""
FAX_FRAGMENTS = (
    "fax",
    "telefax",
    "факс",
    "فاكس",
    "传真",
    "ファクス",
    "ファックス",
    header_key("팩스"),
    "pager",
    "telex",
)
"""A fax (or pager) column is never the lead's phone (``tel_fax``, ``Fax geschäftlich``)."""
SOMEONE_ELSES_TOKENS = _words(
    "asst assistant agent executive counsellor counselor dealer salesperson salesman owner employee staff manager "
    "referrer referral reference friend emergency host rep assignee receiver assigned responsible responsable "
    "creator author approver handler scanner exhibitor vendor operator telecaller recruiter organiser organizer "
    "coordinator advisor adviser ответственный"
)
"""Words naming someone other than the lead: the owner or sales rep a CRM names on every row (``Owner Email``,
``Sales Rep Email``, ``Assigned To``, who a record was ``Created By``), a referrer, an assistant, the seller a
portal's enquiry went to (IndiaMART's ``RECEIVER_MOBILE``, Sulekha's ``Vendor Mobile``), who scanned a visitor's
badge at an event (``Scanner Email``)."""
NOT_OWN_PHONE_TOKENS = SOMEONE_ELSES_TOKENS | _words("qq wechat weixin 微信 skype icq")
"""Numbers that are someone else's (an assistant's, the agent's, a referrer's) or a messenger id (QQ numbers look
like phone numbers)."""

EMAIL_EXACT = _words(
    "email emailid emailaddress emailaddr emails emailids mailid customeremail customeremailid custemail leademail "
    "email1 correo courriel surel почта ईमेल 邮箱 电子邮件 电子邮箱 邮件 メール メールアドレス 電子メール 이메일 "
    "전자우편 메일 البريد ايميل الايميل"
) | keys(
    "correo electrónico", "correio eletrônico", "endereço de e-mail", "adresse e-mail", "adresse électronique",
    "e-mail-adresse", "e-mailadres", "posta elettronica", "indirizzo email", "alamat email", "электронная почта",
    "البريد الإلكتروني", "மின்னஞ்சல்", "மின்னஞ்சல் முகவரி", "e-posta", "e-posta adresi", "adres e-mail",
    "địa chỉ email", "อีเมล", "e-post", "e-postadress", "e-postadresse", "sähköposti", "sähköpostiosoite",
    "e-mail cím", "adresa de email", "ای میل", "ای میل ایڈریس", "ইমেইল", "ই-মেইল", "דואר אלקטרוני", "אימייל",
    "דוא״ל", "ηλεκτρονικό ταχυδρομείο", "διεύθυνση email",
)  # fmt: skip
EMAIL_WEAK = _words("mail")
EMAIL_TOKENS = _words("email emails courriel correo почта")
EMAIL_FRAGMENTS = ("email", "mailid", "mailaddress", "courriel", "correo", "почт", "邮箱", "邮件", "メール",
                   header_key("이메일"), "البريد", header_key("ईमेल"), header_key("மின்னஞ்சல்"))  # fmt: skip

FULL_NAME_EXACT = _words(
    "name fullname customername custname customerfullname clientname leadname contactname contactperson "
    "candidatename studentname applicantname visitorname personname prospectname buyername nameofcustomer "
    "sendername callername enquirername inquirername requestername membername participantname attendeename "
    "guestname patientname parentname whatsyourname yourname yourfullname nameoftheperson displayname fn nfn "
    "nominativo nombre nombres nome nom naam nama имя фио اسم الاسم 姓名 名字 联系人 客户姓名 氏名 名前 お名前 이름 성명 성함 नाम"
) | keys(
    "nombre completo", "nombre y apellido", "nombre y apellidos", "nome completo", "nom complet", "nom et prénom",
    "prénom et nom", "vollständiger name", "nome e cognome", "volledige naam", "nama lengkap", "полное имя",
    "имя и фамилия", "الاسم الكامل", "पूरा नाम", "ग्राहक का नाम", "ग्राहक नाम", "பெயர்", "முழு பெயர்",
    "வாடிக்கையாளர் பெயர்", "ad soyad", "adı soyadı", "ad soyadı", "isim soyisim", "müşteri adı", "isim",  # noqa: RUF001 (Turkish's dotless i)
    "imię i nazwisko", "họ và tên", "họ tên", "ชื่อ-นามสกุล", "ชื่อ นามสกุล", "ชื่อ", "namn", "navn", "nimi",
    "fullständigt namn", "fulde navn", "fullt navn", "koko nimi", "jméno a příjmení", "celé jméno", "nume complet",
    "név", "teljes név", "نام", "پورا نام", "নাম", "পুরো নাম", "שם", "שם מלא", "ονοματεπώνυμο", "όνομα", "नाव",
    "पूर्ण नाव", "નામ", "పేరు", "ಹೆಸರು", "പേര്", "ਨਾਮ", "jméno", "nume", "прізвище та ім'я", "піб", "jina",
)  # fmt: skip
FIRST_NAME_EXACT = _words(
    "firstname fname givenname forename customerfirstname ngiven vorname prenom voornaam primeironome 名 "
    "ファーストネーム"
) | keys(
    "primer nombre", "nome próprio", "primeiro nome", "nama depan", "الاسم الأول", "पहला नाम", "given_name",
    "imię", "förnamn", "fornavn", "etunimi", "keresztnév", "utónév", "křestní jméno", "prenume", "ім'я",
)  # fmt: skip
LAST_NAME_EXACT = _words(
    "lastname lname surname familyname customerlastname nfamily nachname familienname apellido apellidos "
    "sobrenome apelido cognome achternaam фамилия 姓 姓氏 苗字 성 उपनाम"
) | keys(
    "nama belakang", "اسم العائلة", "الكنية", "अंतिम नाम", "family_name", "soyad", "soyadı", "soyisim",  # noqa: RUF001 (Turkish's dotless i)
    "nazwisko", "นามสกุล", "nom de famille", "efternamn", "etternavn", "efternavn", "sukunimi", "vezetéknév",
    "családi név", "příjmení", "nume de familie", "прізвище", "επώνυμο", "שם משפחה", "apellido paterno",
    "primer apellido", "نام خانوادگی",
)  # fmt: skip
BARE_NAMES = _words(
    "name nombre nombres nome nom naam nama имя 이름 名前 nfn isim ชื่อ namn navn nimi név jméno nume όνομα نام"
)
"""Headers that mean the whole name alone, but the given or family name beside the other one
(``Nombre``/``Apellido``, ``Nom``/``Prénom``, Bitrix ``NAME``/``LAST_NAME``): the cells decide."""

NOT_THE_LEAD = tuple(header_key(w) for w in (
    "father", "mother", "husband", "spouse", "guardian", "company", "business", "firm", "organisation",
    "organization", "campaign", "adset", "adname", "form", "product", "project", "city", "state", "country",
    "agent", "executive", "counsellor", "counselor", "dealer", "branch", "salesperson", "owner", "employee",
    "manager", "user", "file", "sheet", "course", "plan", "source", "village", "district", "street", "college",
    "school", "bank", "account", "model", "brand", "vehicle", "variant", "item", "service", "category", "package",
    "property", "unit", "site", "location", "area", "locality", "centre", "center", "store", "shop", "event",
    "batch", "team", "job", "role", "designation", "department", "institute", "university", "hospital", "doctor",
    "clinic", "reference", "referrer", "friend", "nominee", "group", "list", "tag", "stage", "status", "middle",
    "second", "maiden", "nick", "phonetic", "yomi", "prefix", "suffix", "initial", "title", "org", "employer",
    "assistant", "partner", "children", "website", "domain", "industry", "region", "mail", "fileas", "screen",
    "rep", "assigned", "createdby", "modifiedby", "updatedby", "sales", "家长", "父亲", "母亲", "老师", "销售", "顾问",
    "负责人", "课程", "学校", "担当", "담당",
))  # fmt: skip
"""Words that make "<word> name" someone or something other than the lead."""

COMPANY_EXACT = _words(
    "company companyname organisation organization org orgname account accountname business businessname employer "
    "firm empresa compania companhia societe entreprise firma unternehmen azienda societa bedrijf perusahaan "
    "شركة الشركة компания организация 公司 公司名称 单位 会社 会社名 企業 회사 회사명 कंपनी"
) | keys(
    "nombre de la empresa",
    "nome da empresa",
    "raison sociale",
    "nom de l'entreprise",
    "nama perusahaan",
    "organization name",
    "organisation name",
    "company title",
    "ragione sociale",
    "razón social",
    "razão social",
)
COMPANY_FRAGMENTS = ("company", "organi", "empresa", "societe", "entreprise", "unternehmen", "azienda", "bedrijf",
                     "perusahaan", "компани", "организац", "公司", "会社", "企業", header_key("회사"), "شركة")  # fmt: skip
CITY_EXACT = _words(
    "city town ciudad cidade ville stadt ort citta stad plaats woonplaats kota город مدينة المدينة 城市 市 "
    "市区町村 도시 शहर shahar shehar"
) | keys("நகரம்", "mailing city", "billing city", "business city", "home city", "address 1 - city", "ville/localité")
COUNTRY_EXACT = _words(
    "country countryregion countryname country_code nation pais pays land paese negara страна الدولة بلد 国家 国 "
    "国名 国家地区 국가 나라 देश cc"
) | keys(
    "Country/Region", "mailing country", "billing country", "business country/region", "home country/region",
    "other country/region", "address 1 - country", "país de residencia", "pays de résidence",
)  # fmt: skip
COUNTRY_FRAGMENTS = ("country", "pais", "страна", "国家", header_key("국가"))
COUNTRY_TOKENS = _words("land pays pais paese negara nation")
"""Words that name the country inside a longer header (``Land/Region geschäftlich``, ``Pays de résidence``)."""
TIMEZONE_KEYS = _words(
    "timezone tz zonahoraria fuseauhoraire zeitzone fusoorario tijdzone часовойпояс 时区 タイムゾーン"
)
LOCALE_KEYS = _words(
    "locale language lang idioma langue sprache lingua taal bahasa язык 语言 言語 언어 preferredlanguage"
)


def is_fax(header: str) -> bool:
    """The header names a fax or pager line, an assistant's number or a messenger id: never the lead's phone."""
    key = header_key(header)
    tokens = header_tokens(header)
    return (
        any(f in key for f in FAX_FRAGMENTS)
        or any(t in NOT_OWN_PHONE_TOKENS for t in tokens)
        or is_someone_elses(header)
    )


_GENERIC_HEADER = re.compile(r"(?:col|column|field|unnamed|spalte|colonne|columna|coluna|kolom)?\d*")
"""Header keys that name nothing: Col5, Column 7, Unnamed: 4, Field3, a number, blank."""


def is_generic(header: str) -> bool:
    """The header names nothing (blank, ``Col5``, ``Unnamed: 4``)."""
    return _GENERIC_HEADER.fullmatch(header_key(header)) is not None


def is_someone_elses(header: str) -> bool:
    """The header names someone other than the lead (``Owner Email``, ``Referrer Email``, ``Assigned To``,
    ``Created By``): never the lead's email. ``Submitted By`` is the lead who filled the form."""
    tokens = header_tokens(header)
    if tokens[-1:] == ["by"] and "submitted" not in tokens:
        return True  # Created By, Last Modified By, Handled By: who acted on the record
    return any(t in SOMEONE_ELSES_TOKENS for t in tokens)


def is_mobile(header: str) -> bool:
    """The header names a mobile (or WhatsApp) number rather than a landline."""
    key = header_key(header)
    return any(w in key for w in MOBILE_WORDS) or any(t in MOBILE_TOKENS for t in header_tokens(header))


def is_company(header: str) -> bool:
    """The header names a company or organisation, never a person."""
    key = header_key(header)
    return key in COMPANY_EXACT or any(f in key for f in COMPANY_FRAGMENTS)


def is_city(header: str) -> bool:
    """The header names the city."""
    return header_key(header) in CITY_EXACT


def is_country(header: str) -> bool:
    """The header names a country (of the address or the phone)."""
    key = header_key(header)
    tokens = header_tokens(header)
    return key in COUNTRY_EXACT or any(f in key for f in COUNTRY_FRAGMENTS) or any(t in COUNTRY_TOKENS for t in tokens)


POSTCODE_EXACT = _words(
    "postcode postalcode zip zipcode zippostalcode postal pincode pin postleitzahl plz cep codigopostal codepostal "
    "cap cp postnummer postnr postinumero irsz psc kodpocztowy posta почтовыйиндекс индекс 郵便番号 邮政编码 邮编 "
    "우편번호 पिनकोड الرمزالبريدي"
) | keys(
    "Zip/Postal Code", "mailing zip/postal code", "billing zip/postal code", "mailing postal code",
    "billing postal code", "home postal code", "business postal code", "address 1 - postal code",
    "código postal", "code postal", "código de endereçamento postal", "postal/zip code", "zip / postal code",
)  # fmt: skip


def is_postcode(header: str) -> bool:
    """The header names the postal code (postcode, ZIP, PIN code, PLZ, CEP)."""
    return header_key(header) in POSTCODE_EXACT


GEOLOCATED_TOKENS = _words("ip geoip geo geolocation ipaddress")
"""Words of a header whose country was looked up from the visitor's IP address (HubSpot's ``IP Country``)."""


def is_geolocated(header: str) -> bool:
    """The header names a place looked up from an IP address: where the browser was, not the lead's phone."""
    return any(t in GEOLOCATED_TOKENS for t in header_tokens(header))


AD_TOKENS = _words(
    "ad ads adgroup adgroups adset adsets campaign campaigns creative creatives keyword keywords audience "
    "placement advertiser utm gclid fbclid"
)
AD_PREFIXES = ("adgroup", "adset", "campaign", "creative", "advertiser", "utm")
"""Words of an ad platform's or a campaign's columns (Google Ads' ``Ad group``, ``adgroup_id``, Meta's ``Ad Set
Name``, ``Campaign ID``, LinkedIn's ``Campaign Group``), and how such run-together words start (``adgroupid``)."""


def names_an_ad(header: str) -> bool:
    """The header names an ad, ad group, ad set, campaign or creative: the platform's ids and names, not a group
    the importing team keeps its leads in."""
    return any(t in AD_TOKENS or t.startswith(AD_PREFIXES) for t in header_tokens(header))


def is_timezone(header: str) -> bool:
    """The header names a time zone."""
    key = header_key(header)
    return key in TIMEZONE_KEYS or "timezone" in key


def is_locale(header: str) -> bool:
    """The header names a locale or language (``en_US``, ``pt-BR``)."""
    return header_key(header) in LOCALE_KEYS


RELATIVE_WORDS = (
    "father", "mother", "parent", "guardian", "spouse", "husband", "wife", "relative", "家长", "父亲", "母亲",
)  # fmt: skip
RELATIVE_TOKENS = _words(
    "dad mom mum pai mae pere mere tutor tutora padre madre padres vater mutter eltern ehemann ehefrau esposo "
    "esposa marido conyuge conjoint epoux epouse responsavel acudiente apoderado"
)
"""Words of a relative's number (an edtech sheet's Father's Mobile, Teléfono del padre) in languages written in
Latin letters, as whole words (``pai`` is in ``país``)."""
RELATIVE_SCRIPT_WORDS = (
    "पिता", "पापा", "माता", "माँ", "मां", "अभिभावक", "पति", "पत्नी", "पालक",
    "தந்தை", "அப்பா", "தாய்", "அம்மா", "பெற்றோர்", "கணவர்", "மனைவி",
    "الأب", "الاب", "والد", "الأم", "الام", "ولي الأمر", "ولي الامر", "الزوج",
    "отец", "мать", "родител", "муж", "жена",
)  # fmt: skip
"""The same in scripts whose vowel signs :func:`header_key` drops (पिता and पता, address, share a key): looked for
in the header as written."""
SECONDARY_TOKENS = _words("alternate alternative alt other secondary second additional backup extra 2 3 4")
"""A second number of the lead's (Alternate Mobile, Phone 2) comes after the first."""


def is_relative(header: str) -> bool:
    """The header names a relative's number or name (``Father's Mobile``, ``पिता का मोबाइल``, ``Celular da mãe``)."""
    key = header_key(header)
    if any(w in key for w in RELATIVE_WORDS) or any(t in RELATIVE_TOKENS for t in header_tokens(header)):
        return True
    written = header.casefold()
    return any(w in written for w in RELATIVE_SCRIPT_WORDS)


_REPEAT_SUFFIX = re.compile(r"\.\d+\s*$")
"""``Phone.1``: how pandas (and the tools built on it) name a header's repeat."""


def is_secondary(header: str) -> bool:
    """The header names a second or alternate number (``Alternate Mobile``, ``Business Phone 2``, ``mobile2``,
    ``Phone.1``)."""
    tokens = header_tokens(header)
    key = header_key(header)
    return (
        any(t in SECONDARY_TOKENS for t in tokens)
        or (key[-1:] or "x") in "234"
        or key.startswith(("alt", "other"))
        or _REPEAT_SUFFIX.search(header) is not None
    )


WORKPLACE_TOKENS = _words(
    "work office business company corporate switchboard reception desk geschäftlich büro buro "
    "bureau trabajo oficina escritorio comercial ufficio kantor"
)
"""Words of a line at the lead's workplace (``Work Phone``, ``Business Phone``, ``Company Main Phone``)."""


def is_workplace(header: str) -> bool:
    """The header names a line at the lead's workplace rather than the lead's own (a ``Work Mobile`` is its own)."""
    return any(t in WORKPLACE_TOKENS for t in header_tokens(header)) and not is_mobile(header)


LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "es": _words("nombre apellido apellidos telefono movil celular correo ciudad empresa compania pais contacto"),
    "pt": _words("nome sobrenome apelido telefone celular telemovel cidade empresa companhia pais contato"),
    "fr": _words("nom prenom telephone courriel ville societe entreprise pays"),
    "de": _words(
        "vorname nachname familienname telefon telefonnummer mobilnummer handynummer mobiltelefon stadt unternehmen"
    ),
    "it": _words("nome cognome nominativo telefono cellulare citta azienda societa paese"),
    "nl": _words("naam voornaam achternaam telefoon telefoonnummer mobiel woonplaats plaats stad bedrijf"),
    "id": _words("nama telepon ponsel kota perusahaan negara nohp notelp telp"),
    "ms": _words("nama telefon bandar syarikat negara"),
    "pl": _words("imię nazwisko komórkowy telefonu miasto firma"),
    "tr": _words("soyad soyadı soyisim cep eposta şehir şirket"),  # noqa: RUF001 (Turkish's dotless i)
    "vi": _words("họ tên điện thoại thành phố công ty") | keys("số điện thoại", "họ và tên"),
    "th": _words("ชื่อ นามสกุล เบอร์โทร โทรศัพท์ อีเมล") | keys("เบอร์โทรศัพท์", "เบอร์มือถือ"),
    "sv": _words("förnamn efternamn mobilnummer epost epostadress ort namn"),
    "nb": _words("fornavn etternavn epost navn") | keys("fullt navn"),
    "da": _words("fornavn efternavn epost navn") | keys("fulde navn"),
    "fi": _words("etunimi sukunimi matkapuhelin puhelin puhelinnumero sähköposti nimi kaupunki"),
    "cs": _words("jméno příjmení telefonní město"),
    "ro": _words("nume prenume oraș") | keys("număr de telefon", "nume de familie"),
    "hu": _words("vezetéknév keresztnév telefonszám név város"),
    "el": _words("όνομα επώνυμο ονοματεπώνυμο τηλέφωνο κινητό πόλη"),
    "he": _words("שם טלפון נייד עיר") | keys("שם מלא", "שם משפחה", "דואר אלקטרוני"),
    "fa": _words("نام شماره موبایل ایمیل") | keys("نام خانوادگی", "شماره موبایل", "شماره تلفن"),
    "ur": _words("موبائل نمبر شہر") | keys("ای میل", "موبائل نمبر", "پورا نام"),
    "bn": _words("নাম মোবাইল ফোন ইমেইল শহর") | keys("মোবাইল নম্বর", "পুরো নাম"),
    "hi": _words("sampark shahar shehar rajya pata jila zila नाम मोबाइल फोन संपर्क सम्पर्क शहर राज्य पता ईमेल"),
    "ne": _words("नाम मोबाइल फोन संपर्क सम्पर्क शहर राज्य ईमेल इमेल ठेगाना जिल्ला प्रदेश"),  # Nepali: नाम is Hindi's too
}
"""Header words of the vocabulary above that only some languages write (English ones and words English shares,
``portable``, ``land``, ``handy``, are left out): the language a sheet's headers are in, without accents."""


def header_languages(headers: Iterable[str]) -> frozenset[str]:
    """The languages (ISO 639-1) whose own header words the headers are, those of the most of them: ``Nombre``,
    ``Telefono`` → es (``Telefono`` alone: es and it); ``Imię``, ``Nazwisko``, ``Telefon`` → pl, not de."""
    words = {header_key(h) for h in headers} | {t for h in headers for t in header_tokens(h)}
    found = {lang: len(words & own) for lang, own in LANGUAGE_WORDS.items()}
    most = max(found.values(), default=0)
    return frozenset(lang for lang, count in found.items() if count and count == most)

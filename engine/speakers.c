/* Speaker labels: the preset conventions (docs/transcripts.md) recognised by hand-written
 * scanners, because they run on every line of every transcript and must not allocate, plus an
 * optional user pattern (PCRE2) that replaces them. */
#include "speakers.h"

#include <pthread.h>
#include <string.h>

#include "qcode/casebook.h"

#include "alloc.h"
#include "document_impl.h"
#include "error.h"
#include "regex.h"
#include "text.h"

#define MAX_LABEL_CHARS 40
#define MAX_LABEL_WORDS 5

/* The last few labels the preset read and whether each is conventional (qc_speaker_label_known),
 * byte for byte: a transcript's lines come back to the same few labels (`Interviewer`, `S12`), and
 * looking one up again costs a few hundred instructions a line. */
#define MEMO_SLOTS 4
#define MEMO_BYTES 48
typedef struct label_memo {
    char label[MEMO_SLOTS][MEMO_BYTES];
    unsigned char len[MEMO_SLOTS]; /* 0: empty */
    unsigned char known[MEMO_SLOTS];
    unsigned next;
} label_memo;

struct qc_speaker_rules {
    int none;
    const qc_read_options *opts; /* borrowed: rules live for one read call */
    qc_regex *rx;
    /* One scratch per rules object: a rules object belongs to one read call, hence one thread. */
    qc_regex_scratch *scratch;
    int group_speaker, group_time;
    label_memo memo_storage;
    label_memo *memo; /* &memo_storage: written through while the rules are read */
};

int qc_speaker_rules_new(qc_speaker_rules **out, const qc_read_options *opts, qc_error *err)
{
    *out = NULL;
    qc_speaker_rules *r = qc_calloc(1, sizeof *r);
    if (!r)
        return qc_error_nomem(err);
    r->opts = opts;
    r->memo = &r->memo_storage;
    r->none = opts && opts->speakers == QC_SPEAKERS_NONE;
    if (opts && opts->speaker_pattern && !r->none) {
        size_t bad = 0;
        char msg[256];
        int rc = qc_regex_compile(&r->rx, opts->speaker_pattern, strlen(opts->speaker_pattern), QC_REGEX_ANCHORED, 0, 0,
                                  &bad, msg, sizeof msg);
        if (rc != 0) {
            qc_speaker_rules_free(r);
            if (rc == QC_ERR_NOMEM)
                return qc_error_nomem(err);
            return qc_error_set(err, QC_ERR_INVALID, NULL, 0, (uint32_t)bad + 1, (int64_t)bad,
                                "speaker pattern: %s (at offset %zu)", msg, bad);
        }
        r->group_speaker = qc_regex_group_index(r->rx, "speaker");
        r->group_time = qc_regex_group_index(r->rx, "time");
        if (r->group_speaker < 0) {
            qc_speaker_rules_free(r);
            return qc_error_set(err, QC_ERR_INVALID, NULL, 0, 0, -1, "speaker pattern has no (?<speaker>...) group");
        }
        r->scratch = qc_regex_scratch_new();
        if (!r->scratch) {
            qc_speaker_rules_free(r);
            return qc_error_nomem(err);
        }
    }
    *out = r;
    return 0;
}

int qc_speaker_pattern_check(const qc_read_options *opts, qc_error *err)
{
    if (!opts || !opts->speaker_pattern)
        return QC_OK;
    qc_speaker_rules *r = NULL;
    int rc = qc_speaker_rules_new(&r, opts, err);
    qc_speaker_rules_free(r);
    return rc;
}

int qc_read_options_check(const qc_read_options *opts, qc_error *err)
{
    qc_read_options current;
    int rc = qc_read_options_current(opts, &current, err);
    return rc ? rc : qc_speaker_pattern_check(&current, err);
}

void qc_speaker_rules_free(qc_speaker_rules *r)
{
    if (!r)
        return;
    qc_regex_scratch_free(r->scratch);
    qc_regex_free(r->rx);
    qc_free(r);
}

/* --- small scanners over a line --- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static size_t skip_blanks(const char *s, size_t len, size_t p)
{
    while (p < len && is_blank(s[p]))
        p++;
    return p;
}

/* Digits at s[*p], at most `max` of them; returns the value or -1. */
static long parse_digits(const char *s, size_t len, size_t *p, int min, int max)
{
    long v = 0;
    int n = 0;
    while (*p < len && is_digit(s[*p]) && n < max) {
        v = v * 10 + (s[*p] - '0');
        (*p)++;
        n++;
    }
    return n >= min ? v : -1;
}

int64_t qc_parse_clock(const char *s, size_t len, size_t *pos)
{
    size_t p = *pos;
    long parts[3];
    int count = 0;
    for (;;) {
        long v = parse_digits(s, len, &p, 1, count == 0 ? 3 : 2);
        if (v < 0)
            return -1;
        parts[count++] = v;
        if (count == 3 || p >= len || s[p] != ':' || p + 1 >= len || !is_digit(s[p + 1]))
            break;
        p++;
    }
    if (count < 2)
        return -1;
    long ms = 0;
    if (p + 1 < len && (s[p] == '.' || s[p] == ',') && is_digit(s[p + 1])) {
        p++;
        size_t q = p;
        long frac = parse_digits(s, len, &p, 1, 3);
        for (size_t k = p - q; k < 3; k++)
            frac *= 10;
        while (p < len && is_digit(s[p]))
            p++; /* finer than milliseconds: ignored */
        ms = frac;
    }
    long h = count == 3 ? parts[0] : 0, m = parts[count - 2], sec = parts[count - 1];
    if (m > 59 || sec > 59)
        return -1;
    *pos = p;
    return ((int64_t)h * 3600 + m * 60 + sec) * 1000 + ms;
}

/* A bracketed time "[00:01:12]" or "(00:01:12)" at s[*pos], or Markdown's escaped "\[24:14\]"
 * (transcripts published as Markdown write a label's time so: "**Mat Ryer:** \[24:14\] Yeah"). */
static int64_t parse_bracket_time(const char *s, size_t len, size_t *pos)
{
    size_t p = *pos;
    int escaped = p + 1 < len && s[p] == '\\' && s[p + 1] == '[';
    p += (size_t)escaped;
    if (p >= len || (s[p] != '[' && s[p] != '('))
        return -1;
    char close = s[p] == '[' ? ']' : ')';
    p++;
    int64_t t = qc_parse_clock(s, len, &p);
    if (t < 0 || (escaped && (p >= len || s[p++] != '\\')) || p >= len || s[p] != close)
        return -1;
    *pos = p + 1;
    return t;
}

/* Whether every ':' of the clock s[a..b) is followed by two digits (qc_parse_clock takes no more):
 * "[1:2]" is no stamp inside a turn, where a bracketed ratio or score may be speech. */
static int clock_fields_two_digits(const char *s, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (s[i] == ':' && !(i + 2 < b && is_digit(s[i + 1]) && is_digit(s[i + 2])))
            return 0;
    return 1;
}

size_t qc_time_stamp_end(const char *s, size_t len, size_t pos)
{
    size_t p = pos;
    int escaped = p + 1 < len && s[p] == '\\' && s[p + 1] == '[';
    if (escaped)
        p++; /* Markdown's escaped brackets: \[04:09\] */
    if (p >= len || (s[p] != '[' && s[p] != '('))
        return 0;
    char close = s[p] == '[' ? ']' : ')';
    size_t a = ++p;
    if (qc_parse_clock(s, len, &p) < 0 || !clock_fields_two_digits(s, a, p))
        return 0;
    if (escaped && p < len && s[p] == '\\')
        p++;
    else if (escaped)
        return 0;
    return p < len && s[p] == close ? p + 1 : 0;
}

/* A speaker name at s[p..): 1-5 words of letters, digits, dots, hyphens and apostrophes separated
 * by single spaces, starting with a letter, at most 40 characters. Returns its end (no trailing
 * space) or p when there is none. */
static size_t scan_name(const char *s, size_t len, size_t p)
{
    size_t start = p, end = p, chars = 0;
    int words = 1;
    const uint8_t *cls = qc_word_byte_class;
    int32_t cp;
    if (p < len && (unsigned char)s[p] < 0x80) { /* a letter first: ASCII, without a call */
        if ((cls[(unsigned char)s[p]] & (QC_WC_WORD | QC_WC_DIGIT)) != QC_WC_WORD)
            return start;
    } else {
        size_t q = p;
        cp = qc_utf8_decode(s, len, &q);
        if (cp < 0 || !qc_char_is_letter_or_digit(cp))
            return start;
    }
    while (p < len) {
        /* A run of ASCII letters, digits, '.', '-' and '\'' (nearly all of a label) in a tight loop:
         * every line goes through here. */
        size_t run = p;
        while (run < len && ((cls[(unsigned char)s[run]] & (QC_WC_WORD | QC_WC_JOIN)) || s[run] == '.'))
            run++;
        if (run > p) {
            chars += run - p;
            if (chars > MAX_LABEL_CHARS)
                return start;
            p = end = run;
            if (p >= len)
                break;
        }
        size_t here = p;
        unsigned char c = (unsigned char)s[p];
        /* The rest, ASCII classified without decoding or calls. */
        int name_char;
        if (c < 0x80) {
            cp = c;
            p++;
            name_char = (qc_word_byte_class[c] & QC_WC_WORD) || c == '.' || c == '-' || c == '\'';
        } else {
            cp = qc_utf8_decode(s, len, &p);
            if (cp < 0)
                return start;
            name_char =
                qc_char_is_letter_or_digit(cp) || qc_char_is_mark(cp) || qc_char_is_apostrophe(cp) || cp == 0x2011;
        }
        if (cp == ' ') {
            if (here == start || s[here - 1] == ' ')
                break; /* two spaces end a name (Otter puts two before the time) */
            if (++words > MAX_LABEL_WORDS)
                return start;
        } else if (name_char) {
            end = p;
        } else {
            p = here;
            break;
        }
        if (++chars > MAX_LABEL_CHARS)
            return start;
    }
    return end;
}

/* letters (1-4) then digits: S120, P3, DC03, BSR09, id1. */
static int is_id_token(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
        i++;
    if (i == 0 || i > 4 || i == len)
        return 0;
    while (i < len && is_digit(s[i]))
        i++;
    return i == len;
}

/* A person the casebook names for this document (or for every one), compared as the casebook
 * compares speakers. Labels are a few words: one too long for the buffer is no casebook's. */
static int named_by_casebook(const qc_read_options *opts, const char *label, size_t len)
{
    char key[256];
    if (!opts->casebook || len == 0 || len >= sizeof key)
        return 0;
    memcpy(key, label, len);
    key[len] = '\0';
    return qc_casebook_knows_speaker(opts->casebook, opts->id, key);
}

/* The conventional labels, trusted even when a document writes them once: the interviewer's, the
 * interviewee's, a participant's, a respondent's, a moderator's, a facilitator's, a researcher's, a
 * speaker's, a patient's and a client's, in English, German, French, Spanish, Danish, Dutch and
 * Italian (a word two languages share is written once: `interviewer`, `respondent`, `moderator`,
 * `patient`, `participant`, `klient`, French and Spanish `participante`, French and Italian
 * `moderatrice`, `cliente`). Each is folded as qc_text_fold folds a label (lower case, NFC), and
 * both forms of a word with a masculine and a feminine one are here; so is every default
 * interviewer label (qc_speaker_role), so `Interviewerin:` or `Intervistatore:` once is a turn.
 * Not the plurals (`Teilnehmende`, `Participants`, `Deelnemers`), which head lists, nor words that
 * are also a common noun of the interview (`enquête` is the survey). French capitals often drop
 * their accents (`ENQUETEUR`), and Dutch writers the diaeresis (`Geinterviewde`): those forms too,
 * where they are no other word. */
typedef struct role_word {
    const char *word;
    unsigned char len;
} role_word;

#define ROLE(w)                                                                                                        \
    {                                                                                                                  \
        w, (unsigned char)(sizeof w - 1)                                                                               \
    }
#define ROLE_WORD_MAX 18 /* bytes: interviewpartnerin */

static const role_word role_words[] = {
    /* English */
    ROLE("interviewer"), ROLE("interviewee"), ROLE("int"), ROLE("i"), ROLE("q"), ROLE("a"), ROLE("r"),
    ROLE("moderator"), ROLE("facilitator"), ROLE("participant"), ROLE("respondent"), ROLE("researcher"),
    ROLE("speaker"), ROLE("patient"), ROLE("client"), ROLE("informant"),
    /* German */
    ROLE("interviewerin"), ROLE("interviewte"), ROLE("interviewter"), ROLE("interviewpartner"),
    ROLE("interviewpartnerin"), ROLE("befragter"), ROLE("befragte"), ROLE("teilnehmer"), ROLE("teilnehmerin"),
    ROLE("proband"), ROLE("probandin"), ROLE("moderatorin"), ROLE("forscher"), ROLE("forscherin"), ROLE("sprecher"),
    ROLE("sprecherin"), ROLE("patientin"), ROLE("klient"), ROLE("klientin"),
    /* French */
    ROLE("enquêteur"), ROLE("enquêtrice"), ROLE("enqueteur"), ROLE("enquetrice"), ROLE("intervieweur"),
    ROLE("intervieweuse"), ROLE("interviewé"), ROLE("interviewée"), ROLE("interviewe"), ROLE("enquêté"),
    ROLE("enquêtée"), ROLE("enquetee"), ROLE("participante"), ROLE("répondant"), ROLE("répondante"), ROLE("repondant"),
    ROLE("repondante"), ROLE("chercheur"), ROLE("chercheuse"), ROLE("animateur"), ROLE("animatrice"),
    ROLE("modérateur"), ROLE("modératrice"), ROLE("moderateur"), ROLE("moderatrice"), ROLE("intervenant"),
    ROLE("intervenante"), ROLE("locuteur"), ROLE("locutrice"), ROLE("patiente"), ROLE("cliente"),
    /* Spanish */
    ROLE("entrevistador"), ROLE("entrevistadora"), ROLE("entrevistado"), ROLE("entrevistada"), ROLE("encuestador"),
    ROLE("encuestadora"), ROLE("encuestado"), ROLE("encuestada"), ROLE("informante"), ROLE("moderador"),
    ROLE("moderadora"), ROLE("facilitador"), ROLE("facilitadora"), ROLE("investigador"), ROLE("investigadora"),
    ROLE("hablante"), ROLE("paciente"),
    /* Danish */
    ROLE("interviewperson"), ROLE("deltager"), ROLE("forsker"), ROLE("taler"),
    /* Dutch */
    ROLE("interviewster"), ROLE("geïnterviewde"), ROLE("geinterviewde"), ROLE("deelnemer"), ROLE("deelneemster"),
    ROLE("gespreksleider"), ROLE("gespreksleidster"), ROLE("onderzoeker"), ROLE("onderzoekster"), ROLE("spreker"),
    ROLE("patiënt"), ROLE("cliënt"),
    /* Italian */
    ROLE("intervistatore"), ROLE("intervistatrice"), ROLE("intervistato"), ROLE("intervistata"), ROLE("partecipante"),
    ROLE("rispondente"), ROLE("moderatore"), ROLE("facilitatore"), ROLE("facilitatrice"), ROLE("ricercatore"),
    ROLE("ricercatrice"), ROLE("parlante"), ROLE("paziente")};

/* role_words by a hash of their bytes, made once: a candidate label line of the auto preset looks
 * its label up (label_known), and a scan of the list would cost a label that is no role word
 * (`Sarah`) a hundred comparisons. A slot holds an index + 1, 0 when empty. */
#define ROLE_SLOTS 512
static unsigned char role_slots[ROLE_SLOTS];
/* The words beyond ASCII (`enquêteur`, `patiënt`...), which a label beyond ASCII may fold to. */
static unsigned char role_accented[32];
static size_t role_accented_count;
static pthread_once_t role_once = PTHREAD_ONCE_INIT;

#define ROLE_COUNT (sizeof role_words / sizeof role_words[0])
_Static_assert(ROLE_COUNT < 255 && ROLE_COUNT * 2 < ROLE_SLOTS, "role_slots holds every role word, half full at most");

static uint32_t role_hash_step(uint32_t h, unsigned char c)
{
    return (h ^ c) * 16777619u; /* FNV-1a */
}

static uint32_t role_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = role_hash_step(h, (unsigned char)s[i]);
    return h;
}

static void role_index(void)
{
    for (size_t i = 0; i < ROLE_COUNT; i++) {
        const role_word *w = &role_words[i];
        size_t slot = role_hash(w->word, w->len) & (ROLE_SLOTS - 1);
        while (role_slots[slot])
            slot = (slot + 1) & (ROLE_SLOTS - 1);
        role_slots[slot] = (unsigned char)(i + 1);
        for (size_t k = 0; k < w->len; k++)
            if ((unsigned char)w->word[k] >= 0x80) {
                if (role_accented_count < sizeof role_accented)
                    role_accented[role_accented_count++] = (unsigned char)i;
                break;
            }
    }
}

/* Whether s[0..len), folded already, is a role word; h is role_hash(s, len). */
static int folded_role_word(const char *s, size_t len, uint32_t h)
{
    for (size_t slot = h & (ROLE_SLOTS - 1); role_slots[slot]; slot = (slot + 1) & (ROLE_SLOTS - 1)) {
        const role_word *w = &role_words[role_slots[slot] - 1];
        if (w->len == len && memcmp(w->word, s, len) == 0)
            return 1;
    }
    return 0;
}

/* Whether a label is one of role_words, compared as names are (qc_fold_equal: case aside in any
 * script, an accent composed or typed as a mark): `ENQUÊTÉE`, `enquêtée` and `enque` + U+0302 `te`
 * + U+0301 `e` alike. An ASCII label is lowered and hashed in one pass. A label beyond ASCII folds
 * to letters beyond ASCII where it has them, so it is folded (an allocation) only when a role word
 * beyond ASCII starts with its ASCII letters and goes on beyond ASCII there: `Enquêteur:` is,
 * `Jürgen:` and `Müller:` are not. (Letters that fold into ASCII ones, the Kelvin sign or the
 * ligature `ﬆ`, make no role word.) */
static int is_role_word(const char *label, size_t len)
{
    pthread_once(&role_once, role_index);
    char low[ROLE_WORD_MAX];
    uint32_t h = 2166136261u;
    size_t i = 0;
    for (; i < len && i < ROLE_WORD_MAX; i++) {
        unsigned char c = (unsigned char)label[i], lower = (unsigned char)(c | 0x20);
        if ((unsigned)(lower - 'a') > 'z' - 'a') {
            if (c >= 0x80)
                break;
            return 0; /* a role word is letters: `Nurse 2`, `Dr. Lee`, `S.` are none */
        }
        low[i] = (char)lower;
        h = role_hash_step(h, lower);
    }
    if (i == len)
        return len > 0 && folded_role_word(low, len, h);
    if (i == ROLE_WORD_MAX || len > 4 * ROLE_WORD_MAX)
        return 0; /* ASCII folds to itself, as long; a role word is at most ROLE_WORD_MAX bytes */
    /* The ASCII letters that stay as they are: a combining mark after the last one composes with it. */
    size_t q = i, stable = i;
    int32_t cp = qc_utf8_decode(label, len, &q);
    if (cp < 0)
        return 0;
    if (qc_char_is_mark(cp))
        stable = i ? i - 1 : 0;
    if (stable == 0)
        return 0; /* every role word starts with an ASCII letter */
    int candidate = 0;
    for (size_t k = 0; k < role_accented_count && !candidate; k++) {
        const role_word *w = &role_words[role_accented[k]];
        candidate = w->len > stable && (unsigned char)w->word[stable] >= 0x80 && memcmp(w->word, low, stable) == 0;
    }
    if (!candidate)
        return 0;
    qc_buf b = QC_BUF_INIT;
    int found = qc_text_fold(label, len, 1, 0, &b) == 0 && b.len <= ROLE_WORD_MAX &&
                folded_role_word(b.data, b.len, role_hash(b.data, b.len));
    qc_buf_free(&b);
    return found;
}

/* A role word, optionally numbered: "Participant 3", "Speaker 12", "Sprecher 2". */
static int is_role_label(const char *label, size_t len)
{
    size_t word_end = len;
    size_t k = len;
    while (k > 0 && is_digit(label[k - 1]))
        k--;
    if (k < len && k > 1 && label[k - 1] == ' ')
        word_end = k - 1;
    return is_role_word(label, word_end);
}

int qc_speaker_label_known(const qc_read_options *opts, const char *label, size_t len)
{
    if (is_id_token(label, len) || is_role_label(label, len))
        return 1;
    /* Compared as the role is (Unicode case folding), so a label given the interviewer's role is
     * trusted: `SØREN` with --interviewer søren. (Only a non-ASCII label folds through a buffer.) */
    if (opts && opts->interviewer_labels && qc_speaker_role(opts, label, len) == QC_ROLE_INTERVIEWER)
        return 1;
    /* A description ending in an upper-case id: "MH staff member S11". */
    size_t sp = len;
    while (sp > 0 && label[sp - 1] != ' ')
        sp--;
    if (sp > 0) {
        const char *last = label + sp;
        size_t n = len - sp;
        if (n > 1 && last[0] >= 'A' && last[0] <= 'Z' && is_id_token(last, n))
            return 1;
    }
    return opts && named_by_casebook(opts, label, len);
}

/* Words for the people of a study beside the conventional labels: a header key among them (or a
 * conventional one) names a person with a one-word name or an id too (`nurse: Mary`, `nurse: N15`),
 * where another key needs a name of two words or a title (`site: North` names a place). English,
 * German, French and Spanish, the languages noScribe's and Whisper's transcripts come in most
 * (segment.c's lists are English and German): the roles, then the conventional labels' own
 * equivalents (a conventional label is a person's already: `interviewer`, `participant`). Each word
 * stands between spaces, lower case, NFC; a word with a masculine and a feminine form has both. */
static const char person_words[] =
    /* English */
    " nurse midwife doctor gp physician clinician therapist pharmacist carer caregiver teacher pupil"
    " student parent mother father son daughter husband wife partner manager volunteer resident"
    " relative informant narrator interpreter"
    /* German */
    " pfleger pflegerin pflegekraft krankenschwester krankenpfleger arzt ärztin hausarzt hausärztin"
    " hebamme therapeut therapeutin apotheker apothekerin betreuer betreuerin lehrer lehrerin schüler"
    " schülerin studentin mutter vater sohn tochter ehemann ehefrau partnerin leiter leiterin"
    " managerin bewohner bewohnerin angehöriger angehörige informantin erzähler erzählerin"
    " dolmetscher dolmetscherin interviewerin befragter befragte interviewter interviewte"
    " teilnehmer teilnehmerin moderatorin forscher forscherin sprecher sprecherin patientin klient"
    " klientin"
    /* French */
    " infirmier infirmière sage-femme médecin docteur généraliste thérapeute pharmacien pharmacienne"
    " aidant aidante soignant soignante enseignant enseignante professeur professeure élève étudiant"
    " étudiante mère père fils fille mari épouse époux conjoint conjointe partenaire directeur"
    " directrice responsable bénévole résident résidente proche informateur informatrice narrateur"
    " narratrice interprète enquêteur enquêtrice intervieweur intervieweuse interviewé interviewée"
    " enquêté enquêtée participante répondant répondante chercheur chercheuse animateur animatrice"
    " patiente cliente"
    /* Spanish */
    " enfermero enfermera matrona partera médico médica doctora terapeuta farmacéutico farmacéutica"
    " cuidador cuidadora profesor profesora maestro maestra alumno alumna estudiante madre padre hijo"
    " hija esposo esposa marido pareja gerente directora voluntario voluntaria residente familiar"
    " informante narrador narradora intérprete entrevistador entrevistadora entrevistado"
    " entrevistada encuestado encuestada investigador investigadora moderador"
    " moderadora paciente ";

/* Header keys that say where, when or what the interview was, in the languages of person_words:
 * whatever their value looks like, it is no person who speaks (`location: New York`, `title: Ward
 * Four Review`, `date: Tuesday Morning`), so such a key lends the body no one-off speaker. A
 * transcriber or an author is a person, but not one of the interview: a one-off `Transcriber:` line
 * is a note. */
static const char metadata_words[] =
    /* English */
    " title subject topic theme project study phase wave session type format mode language date day"
    " time start end duration length location place site setting venue room ward unit department"
    " city town region country area district address organisation organization institution team"
    " service source file recording audio transcript transcription transcriber author note notes"
    " comment keywords"
    /* German */
    " titel thema projekt studie welle sitzung typ art sprache datum tag zeit uhrzeit beginn ende"
    " dauer länge ort standort raum station abteilung stadt land bezirk adresse einrichtung quelle"
    " datei aufnahme transkript transkription transkribent transkribentin autor autorin anmerkung"
    " notiz kommentar"
    /* French */
    " titre sujet thème projet étude vague séance langue jour heure début fin durée lieu endroit cadre"
    " salle ville région pays établissement équipe fichier enregistrement transcripteur"
    " transcriptrice auteur autrice remarque commentaire"
    /* Spanish */
    " título tema proyecto estudio fase sesión tipo formato idioma fecha día hora inicio duración"
    " lugar sitio ubicación sala servicio ciudad región país dirección institución organización"
    " equipo fuente archivo grabación transcripción transcriptor transcriptora autora nota"
    " comentario ";

/* Whether a key is one of words (a list as above), compared as names are (qc_fold_equal: case
 * aside in any script, `ß` as `ss`, an accent composed or not): `Länge`, `LÄNGE` and `la` + U+0308
 * `nge` are `länge`. The comparison stops at the first letter that differs, so a list costs
 * little: it runs for header lines only. */
static int key_in(const char *words, const char *key, size_t len)
{
    for (const char *w = words + 1; *w; w++) {
        const char *e = strchr(w, ' ');
        if (qc_fold_equal(key, len, w, (size_t)(e - w)))
            return 1;
        w = e;
    }
    return 0;
}

static int person_key(const qc_read_options *opts, const char *key, size_t len)
{
    return key_in(person_words, key, len) || qc_speaker_label_known(opts, key, len);
}

/* A title before a name: Ms, Mr, Mrs, Dr, Prof, with or without a dot. */
static int is_title(const char *s, size_t len)
{
    static const char *const titles[] = {"Ms", "Mr", "Mrs", "Dr", "Prof", NULL};
    if (len > 1 && s[len - 1] == '.')
        len--;
    for (const char *const *t = titles; *t; t++)
        if (strlen(*t) == len && memcmp(s, *t, len) == 0)
            return 1;
    return 0;
}

/* A word of a name: an upper-case letter (any script), then letters, marks, apostrophes, hyphens
 * and dots (`Ögren`, `O'Brien`, `Jean-Luc`, the initial `J.`); no ASCII digit. */
static int is_name_word(const char *s, size_t len)
{
    size_t p = 0;
    int32_t cp = qc_utf8_decode(s, len, &p);
    if (cp < 0 || !qc_char_is_upper(cp))
        return 0;
    while (p < len) {
        cp = qc_utf8_decode(s, len, &p);
        if (cp < 0 || (cp >= '0' && cp <= '9'))
            return 0;
        if (!(qc_char_is_letter_or_digit(cp) || qc_char_is_mark(cp) || qc_char_is_apostrophe(cp) ||
              qc_char_is_inner_hyphen(cp) || cp == '.'))
            return 0;
    }
    return 1;
}

int qc_header_key_is_metadata(const char *key, size_t key_len)
{
    return key_in(metadata_words, key, key_len);
}

/* qc_header_names_person for a value trimmed already (value[0..end)), under a key known to be a
 * word for a person when person is 1 (looked up when it matters otherwise). */
static int value_names_person(const qc_read_options *opts, const char *key, size_t key_len, int person,
                              const char *value, size_t end)
{
    size_t p = 0;
    if (is_id_token(value, end))
        return person || person_key(opts, key, key_len); /* `site: RS1` is a site's id */
    int titled = 0, words = 0;
    while (p < end) {
        size_t w = p;
        while (p < end && !is_blank(value[p]))
            p++;
        if (!titled && !words && p < end && is_title(value + w, p - w))
            titled = 1;
        else if (++words > 4 || !is_name_word(value + w, p - w))
            return 0;
        p = skip_blanks(value, end, p);
    }
    return titled || words >= 2 || person || person_key(opts, key, key_len);
}

int qc_header_names_person(const qc_read_options *opts, const char *key, size_t key_len, const char *value,
                           size_t value_len)
{
    size_t p = skip_blanks(value, value_len, 0), end = value_len;
    while (end > p && (is_blank(value[end - 1]) || value[end - 1] == '\r'))
        end--;
    if (p == end || key_in(metadata_words, key, key_len))
        return 0;
    return value_names_person(opts, key, key_len, 0, value + p, end - p);
}

int qc_label_is_letter(int known, size_t len)
{
    return known && len == 1;
}

int qc_label_line_names(const qc_read_options *opts, const char *label, size_t label_len, const char *value,
                        size_t value_len)
{
    size_t p = skip_blanks(value, value_len, 0), end = value_len;
    while (end > p && (is_blank(value[end - 1]) || value[end - 1] == '\r'))
        end--;
    if (p == end || !is_role_label(label, label_len) || qc_label_is_letter(1, label_len))
        return 0;
    if (value[end - 1] == '.') {
        size_t w = end;
        while (w > p && !is_blank(value[w - 1]))
            w--;
        if (end - w > 2)
            return 0; /* `Hello.`, `Zehn Jahre.`: a sentence; `Anna M.` an initial */
    }
    /* A role word is a person's and no word for the interview (metadata_words): no list to look in. */
    return is_digit(value[p]) || value_names_person(opts, label, label_len, 1, value + p, end - p);
}

static int fill(qc_label *out, size_t ls, size_t le, size_t text, size_t len, const char *line, int64_t t, int known)
{
    out->label_start = ls;
    out->label_end = le;
    size_t p = text;
    while (p < len && is_blank(line[p]))
        p++;
    out->text_start = p;
    out->time_ms = t;
    out->known_role = (uint8_t)known;
    return 1;
}

static int match_pattern(const qc_speaker_rules *r, const char *line, size_t len, qc_label *out)
{
    size_t ms, me, gs, ge;
    int rc = qc_regex_match(r->rx, r->scratch, line, len, 0, 1, &ms, &me);
    if (rc <= 0)
        return rc;
    if (!qc_regex_group(r->scratch, r->group_speaker, &gs, &ge))
        return 0;
    while (gs < ge && is_blank(line[gs]))
        gs++;
    while (ge > gs && is_blank(line[ge - 1]))
        ge--;
    if (gs == ge)
        return 0;
    int64_t t = -1;
    size_t ts, te;
    if (r->group_time >= 0 && qc_regex_group(r->scratch, r->group_time, &ts, &te)) {
        size_t p = ts;
        t = qc_parse_clock(line, te, &p);
    }
    return fill(out, gs, ge, me, len, line, t, 1);
}

/* qc_speaker_label_known for r's options, through r's memo. */
static int label_known(const qc_speaker_rules *r, const char *label, size_t len)
{
    label_memo *m = r->memo;
    if (len == 0 || len > MEMO_BYTES)
        return qc_speaker_label_known(r->opts, label, len);
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        if (m->len[i] == len && memcmp(m->label[i], label, len) == 0)
            return m->known[i];
    int known = qc_speaker_label_known(r->opts, label, len);
    size_t slot = m->next++ % MEMO_SLOTS;
    memcpy(m->label[slot], label, len);
    m->len[slot] = (unsigned char)len;
    m->known[slot] = (unsigned char)known;
    return known;
}

/* NAME: text, NAME: [00:00:12] text, NAME: alone, NAME  MM:SS alone (Otter). */
static int match_name(const qc_speaker_rules *r, const char *line, size_t len, size_t p, int64_t t, qc_label *out)
{
    size_t ne = scan_name(line, len, p);
    if (ne == p)
        return 0;
    if (ne < len && line[ne] == ':' && (ne + 1 == len || is_blank(line[ne + 1]))) {
        size_t q = skip_blanks(line, len, ne + 1);
        if (t < 0) {
            int64_t t2 = parse_bracket_time(line, len, &q);
            if (t2 >= 0)
                t = t2;
            else
                q = ne + 1;
        }
        return fill(out, p, ne, q, len, line, t, label_known(r, line + p, ne - p));
    }
    if (t < 0 && ne + 2 < len && is_blank(line[ne]) && is_blank(line[ne + 1])) {
        size_t q = skip_blanks(line, len, ne);
        int64_t t2 = qc_parse_clock(line, len, &q);
        if (t2 >= 0 && skip_blanks(line, len, q) == len)
            return fill(out, p, ne, len, len, line, t2, 1);
    }
    return 0;
}

int qc_speaker_match_line(const qc_speaker_rules *r, const char *line, size_t len, qc_label *out)
{
    if (r->none || len == 0)
        return 0;
    if (r->rx)
        return match_pattern(r, line, len, out);
    size_t p = 0;
    if (line[0] == '[' || line[0] == '(') {
        int64_t t = parse_bracket_time(line, len, &p);
        if (t >= 0)
            return match_name(r, line, len, skip_blanks(line, len, p), t, out);
        if (line[0] == '(')
            return 0;
        const char *close = memchr(line, ']', len);
        if (!close)
            return 0;
        size_t cs = 1, ce = (size_t)(close - line);
        size_t ne = scan_name(line, ce, cs);
        if (ne != ce)
            return 0;
        size_t q = skip_blanks(line, len, ce + 1);
        size_t tq = q;
        int64_t t2 = qc_parse_clock(line, len, &tq);
        if (t2 >= 0 && q > ce + 1 && skip_blanks(line, len, tq) == len)
            return fill(out, cs, ce, len, len, line, t2, 1); /* Zoom: [Name] 11:02:09 */
        /* QualCoder: [id1] text. Only id-like tokens, so "[laughs] yes" stays text. */
        if (is_id_token(line + cs, ce - cs) && (q > ce + 1 || q == len))
            return fill(out, cs, ce, q, len, line, -1, 1);
        return 0;
    }
    if (len > 4 && line[0] == '*' && line[1] == '*') {
        /* Markdown bold: **NAME:** text or **NAME**: text. Bold is a deliberate label. */
        size_t ne = scan_name(line, len, 2);
        if (ne == 2)
            return 0;
        size_t q;
        if (ne + 3 <= len && memcmp(line + ne, ":**", 3) == 0)
            q = ne + 3;
        else if (ne + 3 <= len && memcmp(line + ne, "**:", 3) == 0)
            q = ne + 3;
        else
            return 0;
        if (q < len && !is_blank(line[q]))
            return 0;
        size_t tq = skip_blanks(line, len, q);
        int64_t t = parse_bracket_time(line, len, &tq);
        return fill(out, 2, ne, t >= 0 ? tq : q, len, line, t, 1);
    }
    return match_name(r, line, len, 0, -1, out);
}

qc_role qc_speaker_role(const qc_read_options *opts, const char *label, size_t len)
{
    /* The English labels, then their German, French, Spanish, Danish, Dutch and Italian forms
     * (noScribe's and Whisper's transcripts come in those most): `Interviewerin:` or
     * `Intervistatore:` asking the questions was a participant. Danish writes the English words
     * (Interviewer, Moderator, Facilitator). Every one is in role_words too: trusted even once. */
    static const char *const defaults[] = {
        "Interviewer",
        "Int",
        "I",
        "Q",
        "Moderator",
        "Facilitator",
        /* German */
        "Interviewerin",
        "Moderatorin",
        /* French */
        "Intervieweur",
        "Intervieweuse",
        "Enquêteur",
        "Enquêtrice",
        "Animateur",
        "Animatrice",
        "Modérateur",
        "Modératrice",
        "Enqueteur", /* in capitals French often drops its accents: ENQUETEUR */
        "Enquetrice",
        "Moderateur",
        /* Spanish */
        "Entrevistador",
        "Entrevistadora",
        "Moderador",
        "Moderadora",
        /* Dutch */
        "Interviewster",
        "Gespreksleider",
        "Gespreksleidster",
        /* Italian */
        "Intervistatore",
        "Intervistatrice",
        "Moderatore",
        "Moderatrice", /* French without its accent too */
        "Facilitatore",
        "Facilitatrice",
    };
    const char *const *list = defaults;
    size_t count = sizeof defaults / sizeof defaults[0];
    if (opts && opts->interviewer_labels) {
        list = opts->interviewer_labels;
        count = opts->interviewer_label_count;
    }
    for (size_t i = 0; i < count; i++)
        if (list[i] && qc_fold_equal(label, len, list[i], strlen(list[i])))
            return QC_ROLE_INTERVIEWER;
    return QC_ROLE_PARTICIPANT;
}

/* --- counting labels (the "seen at least twice" rule) --- */

typedef struct tally_slot {
    char *label; /* NULL: empty */
    size_t len;
    size_t count;
    uint64_t hash;
    uint8_t capitals; /* all_capitals(label): never the same label as one that is not */
} tally_slot;

struct qc_label_tally {
    tally_slot *slots;
    size_t cap; /* power of two */
    size_t used;
    int exact; /* labels count together only when they are the same bytes */
    size_t recent[2]; /* the slots (+ 1; 0: none) of the last two labels added, the last first */
};

/* Labels count together when they differ only in case (`Sarah` and a slip, `sarah`; `Élodie` and
 * `élodie`), unless one is written in capitals and the other not: `TATSUO ARAI: An Interview
 * Conducted by ...` is a title line, not one more turn of `Tatsuo Arai:`, and `NURSE` (or `ÉLODIE`)
 * is a heading's style. Capitals are two upper-case letters or more and no lower-case one, in any
 * script, so that `ΜΑΡΊΑ` stays apart from `Μαρία` as `MARIA` from `Maria`. */
static int all_capitals(const char *s, size_t len)
{
    size_t letters = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) { /* most labels are ASCII: no calls */
            if (c >= 'a' && c <= 'z')
                return 0;
            letters += c >= 'A' && c <= 'Z';
            i++;
            continue;
        }
        int32_t cp = qc_utf8_decode(s, len, &i);
        if (cp < 0 || qc_char_is_lower(cp))
            return 0;
        letters += qc_char_is_upper(cp);
    }
    return letters >= 2;
}

/* What a tally finds a label by. */
typedef struct label_key {
    uint64_t hash; /* of the label as the tally compares it, inverted in capitals */
    uint8_t capitals;
} label_key;

static label_key key_of(int exact, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the bytes, for an exact tally */
    if (exact) {
        for (size_t i = 0; i < len; i++)
            h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    } else {
        h = qc_fold_hash(s, len); /* one pass for an ASCII label, nearly every one */
    }
    label_key k = {h, (uint8_t)all_capitals(s, len)};
    if (k.capitals)
        k.hash = ~k.hash;
    return k;
}

static int same_label(int exact, const tally_slot *slot, const char *s, size_t len)
{
    /* The same bytes (a label written as before, nearly always) are the same label folded too. */
    if (slot->len == len && memcmp(slot->label, s, len) == 0)
        return 1;
    return !exact && qc_fold_equal(slot->label, slot->len, s, len);
}

int qc_label_tally_new(qc_label_tally **out)
{
    return qc_label_tally_new_mode(out, 0);
}

int qc_label_tally_new_mode(qc_label_tally **out, int exact)
{
    qc_label_tally *t = qc_calloc(1, sizeof *t);
    if (!t)
        return QC_ERR_NOMEM;
    t->exact = exact;
    t->cap = 64;
    t->slots = qc_calloc(t->cap, sizeof *t->slots);
    if (!t->slots) {
        qc_free(t);
        return QC_ERR_NOMEM;
    }
    *out = t;
    return 0;
}

void qc_label_tally_free(qc_label_tally *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        qc_free(t->slots[i].label);
    qc_free(t->slots);
    qc_free(t);
}

/* The slot of a label, or the empty slot where it would go. */
static tally_slot *find_slot(int exact, tally_slot *slots, size_t cap, const char *s, size_t len, label_key k)
{
    size_t i = (size_t)k.hash & (cap - 1);
    while (slots[i].label &&
           !(slots[i].hash == k.hash && slots[i].capitals == k.capitals && same_label(exact, &slots[i], s, len)))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int tally_grow(qc_label_tally *t)
{
    size_t cap = t->cap * 2;
    tally_slot *slots = qc_calloc(cap, sizeof *slots);
    if (!slots)
        return QC_ERR_NOMEM;
    for (size_t i = 0; i < t->cap; i++) {
        const tally_slot *o = &t->slots[i];
        if (o->label)
            *find_slot(t->exact, slots, cap, o->label, o->len, (label_key){o->hash, o->capitals}) = *o;
    }
    qc_free(t->slots);
    t->slots = slots;
    t->cap = cap;
    t->recent[0] = t->recent[1] = 0;
    return 0;
}

int qc_label_tally_add(qc_label_tally *t, const char *label, size_t len)
{
    /* Turns alternate between a few speakers: a label written as one of the last two added is in
     * that one's slot, found without folding and hashing it (the same bytes have the same key, and
     * a slot's label is the only one its key finds). */
    for (int r = 0; r < 2 && t->recent[r]; r++) {
        tally_slot *s = &t->slots[t->recent[r] - 1];
        if (s->len == len && memcmp(s->label, label, len) == 0) {
            s->count++;
            if (r) {
                t->recent[1] = t->recent[0];
                t->recent[0] = (size_t)(s - t->slots) + 1;
            }
            return 0;
        }
    }
    if ((t->used + 1) * 2 > t->cap && tally_grow(t) != 0)
        return QC_ERR_NOMEM;
    label_key k = key_of(t->exact, label, len);
    tally_slot *s = find_slot(t->exact, t->slots, t->cap, label, len, k);
    size_t at = (size_t)(s - t->slots) + 1;
    if (t->recent[0] != at) {
        t->recent[1] = t->recent[0];
        t->recent[0] = at;
    }
    if (!s->label) {
        s->label = qc_strndup(label, len);
        if (!s->label)
            return QC_ERR_NOMEM;
        s->len = len;
        s->hash = k.hash;
        s->capitals = k.capitals;
        t->used++;
    }
    s->count++;
    return 0;
}

void qc_label_tally_remove(qc_label_tally *t, const char *label, size_t len)
{
    tally_slot *s = find_slot(t->exact, t->slots, t->cap, label, len, key_of(t->exact, label, len));
    if (s->count)
        s->count--;
}

size_t qc_label_tally_count(const qc_label_tally *t, const char *label, size_t len)
{
    return find_slot(t->exact, t->slots, t->cap, label, len, key_of(t->exact, label, len))->count;
}

/* A label in capitals that a casebook names in another spelling, where the document writes the same
 * label otherwise too (`TATSUO ARAI: An Interview Conducted by ...` above `Tatsuo Arai:` turns, and
 * a casebook row for Tatsuo Arai): the casebook names the person, whose label here is the other
 * spelling, and this line is a title or heading, counted as the tally counts it. */
int qc_label_casebook_capitals(const qc_read_options *opts, const qc_label_tally *t, const char *label, size_t len)
{
    if (!opts || !opts->casebook || !all_capitals(label, len))
        return 0;
    qc_read_options plain = *opts;
    plain.casebook = NULL;
    if (qc_speaker_label_known(&plain, label, len) || !named_by_casebook(opts, label, len))
        return 0;
    /* The same label out of capitals (`Tatsuo Arai`): t folds case, so the label itself finds it in
     * that class, whose hash is not inverted. */
    label_key k = key_of(t->exact, label, len);
    k.capitals = 0;
    k.hash = ~k.hash;
    return find_slot(t->exact, t->slots, t->cap, label, len, k)->count > 0;
}

int qc_label_trusted(const qc_read_options *opts, const qc_label_tally *t, const qc_label *lab, const char *label,
                     size_t len)
{
    return lab->known_role && ((opts && opts->speaker_pattern) || !qc_label_casebook_capitals(opts, t, label, len));
}

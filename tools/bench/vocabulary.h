/* The vocabulary the benchmark generator draws on: the words staff of integrated neighbourhood
 * teams use (so generated rules hit generated text densely, as real codebooks hit real
 * interviews), and ordinary conversational filler. */
#ifndef QCODE_BENCH_VOCABULARY_H
#define QCODE_BENCH_VOCABULARY_H

static const char *const theme_words[] = {
    "co-location", "colocated", "office", "building", "base", "desk", "hotdesk", "meeting", "huddle",
    "mdt", "handover", "caseload", "referral", "referrals", "waiting", "discharge", "admission", "hospital",
    "ward", "patient", "patients", "carer", "carers", "family", "families", "nurse", "nurses", "district",
    "community", "therapist", "therapists", "physio", "physiotherapy", "occupational", "therapy",
    "mental", "health", "social", "worker", "workers", "manager", "managers", "leadership", "team",
    "teams", "neighbourhood", "integration", "integrated", "care", "package", "packages", "assessment",
    "assessments", "visit", "visits", "laptop", "laptops", "signal", "systmone", "rio", "records", "record",
    "system", "systems", "access", "sharing", "password", "email", "phone", "travel", "parking", "mileage",
    "rural", "town", "budget", "budgets", "funding", "commissioners", "commissioning", "contract",
    "contracts", "targets", "target", "performance", "data", "audit", "governance", "accountability",
    "accountable", "responsibility", "delegated", "authority", "decision", "decisions", "role", "roles",
    "boundaries", "generic", "skills", "competency", "competencies", "training", "supervision",
    "development", "band", "grade", "pay", "workload", "pressure", "stress", "morale", "sickness",
    "vacancies", "vacancy", "agency", "locum", "recruitment", "retention", "staffing", "culture",
    "hierarchy", "trust", "relationship", "relationships", "communication", "informal", "formal",
    "corridor", "kitchen", "coffee", "lunch", "gp", "gps", "practice", "surgery", "pharmacist",
    "medicines", "medication", "prescribing", "equipment", "wheelchair", "hoist", "bed", "beds",
    "safeguarding", "risk", "risks", "consent", "confidentiality", "information", "policy", "national",
    "vision", "model", "clinical", "outcome", "outcomes", "evidence", "evaluation", "pilot", "change",
    "changes", "implementation", "launch", "phase", "before", "after", "duplication", "gaps", "gap",
    "continuity", "prevention", "self-management", "voluntary", "charity", "partners", "partnership",
    "council", "housing", "admin", "administrator", "paperwork", "documentation", "identity",
    "belonging", "isolation", "frailty", "dementia", "diabetes", "wound", "wounds", "falls", "rehab",
    "reablement", "crisis", "depression", "anxiety", "complex", "needs", "elderly", "older", "people",
};

static const char *const filler_words[] = {
    "i", "you", "we", "they", "it", "that", "this", "there", "what", "when", "where", "how", "why",
    "think", "know", "mean", "feel", "said", "say", "get", "got", "go", "going", "went", "come", "came",
    "see", "saw", "look", "make", "made", "take", "took", "want", "need", "work", "working", "worked",
    "really", "quite", "very", "just", "actually", "probably", "perhaps", "maybe", "sometimes", "always",
    "never", "often", "still", "now", "then", "again", "also", "well", "so", "but", "and", "or", "because",
    "if", "not", "no", "yes", "don't", "can't", "wasn't", "isn't", "we're", "they're", "it's", "i'm",
    "the", "a", "an", "of", "to", "in", "on", "for", "with", "about", "from", "at", "by", "into", "over",
    "more", "less", "much", "many", "some", "any", "all", "other", "same", "different", "new", "old",
    "good", "better", "best", "bad", "worse", "hard", "easy", "big", "small", "long", "little", "lot",
    "time", "day", "week", "month", "year", "way", "thing", "things", "bit", "kind", "sort", "part",
    "place", "point", "people", "person", "colleague", "colleagues", "everyone", "someone", "nobody",
    "used", "would", "could", "should", "might", "will", "can", "must", "have", "has", "had", "be",
    "been", "being", "was", "were", "is", "are", "do", "does", "did", "done", "helpful", "useful",
    "difficult", "frustrating", "positive", "negative", "together", "apart", "closer", "easier",
};

/* Accented and typographic variants the generator mixes in (NFC and NFD forms, curly quotes,
 * non-breaking hyphens), so the benchmark exercises normalisation. */
static const char *const variant_words[] = {
    "café", "cafe\xcc\x81", "Zoë", "José", "naïve", "rôle", "co\xe2\x80\x91location", "don\xe2\x80\x99t",
    "\xe2\x80\x9cjoined up\xe2\x80\x9d", "re\u2010ablement", "façade", "déjà",
};

/* Fixed two-word phrases mixed into the text, so phrase and NEAR rules find their pairs. */
static const char *const common_phrases[] = {
    "district nurse", "care package", "waiting list", "same office", "shared base", "hot desk",
    "team meeting", "case manager", "social services", "mental health", "joint visit", "single point",
    "care plan", "key worker", "hospital discharge", "agency staff", "band six", "job description",
    "patient records", "information sharing", "decision making", "line manager", "home visit",
    "self care", "voluntary sector", "front door", "day centre", "out of hours",
};

static const char *const interviewer_questions[] = {
    "Can you tell me a bit about how the team works day to day?",
    "How has the move to the neighbourhood team changed things for you?",
    "What about sharing information with the other professions?",
    "And how do you find the IT systems and the laptops?",
    "Who makes the decisions about a patient's care now?",
    "What gets in the way of working together?",
    "How would you describe morale in the team at the moment?",
    "Is there anything you would change if you could?",
};

static const char *const sites[] = {"RS1", "RS2", "RS3", "RS4", "RS5", "RS6", "RS7", "RS8", "RS9"};
static const char *const professions[] = {"nurse", "occupational therapist", "physiotherapist", "mental health",
                                          "social worker", "manager", "support worker"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif

/*
 * sdgen: a deterministic generator of realistic organisations, written as
 * CSV or JSON Lines that `stardust import` accepts.
 *
 * Regions are NUTS 2024 level-3 codes read from DIR/nuts-2024.csv and
 * sectors NACE level-3/4 codes read from DIR/nace-rev2.1.csv (or
 * nace-rev2.csv); every code is also checked against the code lists
 * compiled into sdbase, so nothing written here is refused by the
 * validator. Capabilities are drawn Zipf-like (weight 1/rank) from a
 * vocabulary of a few hundred industrial and technology keywords grouped
 * into industry profiles, so they co-occur the way real ones do. Names are
 * unique within a country after Unicode folding, because member ids derive
 * from the country and the folded name.
 *
 * The output depends only on the arguments: the PRNG is our own
 * (xoshiro256** seeded by splitmix64), every weight is an integer, and
 * member i is generated from its own stream seeded by (seed, i), so the
 * first N members of a larger run are the output of --count N.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "err.h"
#include "text.h"

#ifndef SD_DATA_DIR
#define SD_DATA_DIR "data"
#endif

#define GEN_COUNT_MAX 10000000L /* members in one run */
#define GEN_NAME_TRIES 64 /* fresh names tried before numbering */
#define GEN_YEAR 2025 /* latest founding year (no clock) */
#define GEN_CAPS_MAX 12
#define GEN_LINE_MAX 4096

/* ---- PRNG: xoshiro256** seeded with splitmix64 ---- */

struct gen_rng {
	uint64_t s[4];
};

static uint64_t
gen_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
gen_rng_seed(struct gen_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = gen_splitmix(&x);
}

static uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s, res = gen_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return res;
}

/* A uniform integer in [0, n), without modulo bias; n > 0. */
static uint64_t
gen_rng_below(struct gen_rng *r, uint64_t n)
{
	uint64_t lim = -n % n, v;

	do
		v = gen_rng_next(r);
	while (v < lim);
	return v % n;
}

/* A uniform integer in [lo, hi]. */
static uint32_t
gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)gen_rng_below(r, (uint64_t)hi - lo + 1);
}

/* 1 with probability pct/100. */
static int
gen_rng_pct(struct gen_rng *r, unsigned pct)
{
	return gen_rng_below(r, 100) < pct;
}

/* ---- growable strings ---- */

struct gen_buf {
	char *p;
	size_t len, cap;
};

static int
gen_buf_grow(struct gen_buf *b, size_t more)
{
	char *np;
	size_t ncap;

	if (b->len + more + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + more + 1)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL)
		return -ENOMEM;
	b->p = np;
	b->cap = ncap;
	return 0;
}

static int
gen_buf_add(struct gen_buf *b, const char *s, size_t n)
{
	if (gen_buf_grow(b, n) != 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int
gen_buf_str(struct gen_buf *b, const char *s)
{
	return gen_buf_add(b, s, strlen(s));
}

static int gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
gen_buf_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || gen_buf_grow(b, (size_t)n) != 0)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

static void
gen_buf_reset(struct gen_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* ---- '|'-separated word lists ---- */

/* Vocabularies are written as "a|b|c" to keep the tables readable; each
 * is split once at start-up into an array of pointers into a copy. */
struct gen_list {
	char *mem;
	const char **v;
	size_t n;
};

static int
gen_list_init(struct gen_list *l, const char *s)
{
	size_t i, n = 1;
	char *p;

	memset(l, 0, sizeof(*l));
	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i]; i++)
		n += s[i] == '|';
	if ((l->mem = strdup(s)) == NULL ||
	    (l->v = calloc(n, sizeof(*l->v))) == NULL) {
		free(l->mem);
		l->mem = NULL;
		return -ENOMEM;
	}
	for (p = l->mem;; p++) {
		l->v[l->n++] = p;
		if ((p = strchr(p, '|')) == NULL)
			break;
		*p = '\0';
	}
	return 0;
}

static void
gen_list_free(struct gen_list *l)
{
	free(l->mem);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const char *
gen_list_pick(const struct gen_list *l, struct gen_rng *r)
{
	return l->n ? l->v[gen_rng_below(r, l->n)] : NULL;
}

/* ---- weighted choice (integer weights, so results never depend on
 * floating-point rounding) ---- */

struct gen_wtab {
	uint64_t *cdf;
	size_t n;
};

static int
gen_wtab_init(struct gen_wtab *w, const uint32_t *weights, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	w->n = 0;
	if ((w->cdf = calloc(n ? n : 1, sizeof(*w->cdf))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		sum += weights[i];
		w->cdf[i] = sum;
	}
	w->n = n;
	return sum > 0 ? 0 : SD_EINVAL;
}

/* Zipf-like weights 1/rank over n items. */
static int
gen_wtab_zipf(struct gen_wtab *w, size_t n)
{
	uint32_t *wt;
	size_t i;
	int rc;

	if ((wt = calloc(n ? n : 1, sizeof(*wt))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		wt[i] = (uint32_t)(1000000u / (i + 1));
	rc = gen_wtab_init(w, wt, n);
	free(wt);
	return rc;
}

static size_t
gen_wtab_pick(const struct gen_wtab *w, struct gen_rng *r)
{
	uint64_t x = gen_rng_below(r, w->cdf[w->n - 1]);
	size_t lo = 0, hi = w->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->cdf[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void
gen_wtab_free(struct gen_wtab *w)
{
	free(w->cdf);
	w->cdf = NULL;
	w->n = 0;
}

/* ---- the vocabulary ---- */

/*
 * An industry profile: the NACE divisions its members work in, the nouns
 * their names use, and capability keywords from most to least common
 * (ranked for the Zipf draw). partners names the profiles whose
 * capabilities its members tend to seek, so `match` finds complements.
 */
struct gen_profile_def {
	const char *key;
	uint32_t weight;
	const char *divs;
	const char *nouns;
	const char *industry;
	const char *markets;
	const char *themes;
	const char *partners;
	const char *caps;
};

static const struct gen_profile_def gen_profile_defs[] = {
	{ "metal", 16, "25|24|28|33",
	    "Metal|Steel|Engineering|Machining|Metalworks|Fabrication|"
	    "Precision|Mechanics|Welding|Tooling",
	    "metalworking",
	    "the mining industry|the process industry|the energy sector|"
	    "machine builders|the automotive industry|shipyards",
	    "Metal Industry|Manufacturing|Advanced Manufacturing",
	    "automation|consulting|electronics",
	    "sheet metal fabrication|laser cutting|cnc machining|welding|"
	    "steel structures|surface treatment|powder coating|"
	    "precision machining|robotic welding|stainless steel fabrication|"
	    "contract manufacturing|assembly|plasma cutting|tube bending|"
	    "heat treatment|galvanising|tool making|mould making|casting|"
	    "forging|metal 3d printing|prototype manufacturing|"
	    "waterjet cutting|press brake bending|quality inspection|"
	    "machine building" },
	{ "mining", 7, "07|08|09|23",
	    "Mining|Minerals|Drilling|Exploration|Geo|Resources|Rock|Ore",
	    "mining services",
	    "mining companies|quarries|the construction industry|"
	    "the steel industry|the battery industry",
	    "Mining|Raw Materials|Mineral Processing",
	    "circular|ict|automation",
	    "mining services|exploration services|mineral processing|drilling|"
	    "rock excavation|crushing and screening|mining sample analysis|"
	    "tailings management|recycling mining waste|mine ventilation|"
	    "geological surveys|geophysical surveys|ore sorting|"
	    "critical raw materials|battery minerals|blasting services|"
	    "underground mining|mine closure|mining equipment maintenance|"
	    "dewatering|mine automation|industrial minerals|"
	    "mining sample storage|aggregates" },
	{ "energy", 8, "35|27|20",
	    "Energy|Power|Battery|Hydrogen|Solar|Wind|Grid|Electric",
	    "energy technology",
	    "utilities|the process industry|municipalities|"
	    "real estate owners|the automotive industry",
	    "Energy|Battery|Hydrogen|Smart Energy", "chem|electronics|metal",
	    "energy efficiency|battery materials|energy storage|"
	    "heat pumps|solar pv|wind power|district heating|hydrogen "
	    "production|"
	    "smart grids|ev charging|battery recycling|bioenergy|biogas|"
	    "power electronics|electrolysers|fuel cells|energy audits|"
	    "cathode materials|grid integration|electrification|"
	    "geothermal energy|waste heat recovery|battery management systems|"
	    "offshore wind services" },
	{ "ict", 14, "62|63|58",
	    "Software|Digital|Data|Systems|Labs|Analytics|Solutions|Cloud|"
	    "AI|Code",
	    "software",
	    "manufacturing companies|the public sector|healthcare|retail|"
	    "the energy sector|logistics companies|banks",
	    "ICT|Digital|AI|Data Economy", "metal|health|mining",
	    "software development|machine vision|artificial intelligence|"
	    "data analytics|cybersecurity|machine learning|cloud services|"
	    "iot platforms|digital twins|mobile apps|embedded software|"
	    "web development|computer vision|edge computing|erp integration|"
	    "ux design|devops|gis|5g applications|natural language processing|"
	    "simulation|game development|blockchain|quantum computing|"
	    "e-commerce platforms|data platforms" },
	{ "electronics", 6, "26|27",
	    "Electronics|Sensors|Photonics|Instruments|Devices|Optics",
	    "electronics",
	    "the automotive industry|telecom operators|medical device makers|"
	    "industrial automation|the defence industry",
	    "Electronics|Photonics|Sensors", "metal|ict",
	    "electronics design|sensors|embedded systems|pcb assembly|"
	    "photonics|rf design|test and measurement|printed electronics|"
	    "optoelectronics|lidar|radar|microelectronics|"
	    "wireless sensor networks|emc testing|"
	    "electronics manufacturing services|industrial electronics|"
	    "power electronics|space technology|earth observation|"
	    "thermal imaging" },
	{ "automation", 7, "28|33|71",
	    "Automation|Robotics|Controls|Mechatronics|Machines", "automation",
	    "the process industry|food producers|warehouses|sawmills|"
	    "the metal industry",
	    "Robotics|Automation|Industry 4.0", "ict|electronics|metal",
	    "industrial automation|robotics|plc programming|"
	    "collaborative robots|process control|condition monitoring|"
	    "predictive maintenance|motion control|hydraulic systems|"
	    "special machinery|control systems|scada|conveyor systems|"
	    "automated guided vehicles|warehouse automation|pneumatics|"
	    "mechatronics|machine safety|maintenance services|"
	    "retrofitting" },
	{ "circular", 7, "38|39|36|37",
	    "Recycling|Environmental|Circular|Enviro|Water|Materials",
	    "environmental services",
	    "municipalities|the mining industry|the construction industry|"
	    "retail chains|the process industry",
	    "Cleantech|Circular Economy|Water", "mining|chem|ict",
	    "recycling|circular economy|waste management|water treatment|"
	    "soil remediation|plastic recycling|wastewater treatment|"
	    "industrial symbiosis|material recovery|metal recycling|"
	    "construction waste recycling|textile recycling|e-waste recycling|"
	    "sludge treatment|composting|by-product valorisation|"
	    "life cycle assessment|hazardous waste handling|landfill mining|"
	    "clean technology|environmental monitoring|carbon capture" },
	{ "bio", 7, "16|17|02|20",
	    "Wood|Timber|Bio|Forest|Fibre|Pulp|Cellulose", "bioeconomy",
	    "the construction industry|packaging makers|the chemical industry|"
	    "furniture makers|the energy sector",
	    "Bioeconomy|Wood|Forest", "chem|automation|construction",
	    "wood processing|sawmilling|bio-based materials|engineered wood|"
	    "biorefining|pulp and paper|cross-laminated timber|biochemicals|"
	    "forest management|wood pellets|biocomposites|nanocellulose|"
	    "bioplastics|packaging materials|lignin products|"
	    "timber construction|forestry services|wood drying|"
	    "tall oil products|peat alternatives" },
	{ "food", 8, "10|11|01|03",
	    "Foods|Dairy|Bakery|Fish|Berries|Brewery|Farms|Kitchen", "food",
	    "retail chains|restaurants|the food industry|export markets|"
	    "the hospitality sector",
	    "Food|Agrifood|Blue Economy", "bio|logistics|automation",
	    "food processing|dairy products|bakery|meat processing|"
	    "fish processing|aquaculture|berry products|functional foods|"
	    "plant-based foods|beverages|brewing|food packaging|"
	    "food safety testing|cold chain|organic farming|"
	    "precision agriculture|insect protein|food ingredients|"
	    "wild food products|greenhouse cultivation" },
	{ "chem", 6, "20|22|21",
	    "Chemicals|Polymers|Plastics|Coatings|Composites|Pharma",
	    "chemicals and plastics",
	    "the automotive industry|packaging makers|the construction "
	    "industry|the pharmaceutical industry|the forest industry",
	    "Chemistry|Plastics|Materials", "bio|circular|energy",
	    "plastic injection moulding|specialty chemicals|coatings|"
	    "composites|adhesives|extrusion|polymer compounding|"
	    "rubber products|pharmaceuticals|biotechnology|"
	    "laboratory services|analytical chemistry|catalysts|"
	    "fine chemicals|cosmetics ingredients|thermoforming|"
	    "advanced materials|nanomaterials" },
	{ "construction", 10, "41|42|43|71",
	    "Construction|Building|Infra|Concrete|Builders|Structures",
	    "construction",
	    "municipalities|property developers|the public sector|"
	    "industrial customers|housing companies",
	    "Construction|Smart Building|Infrastructure", "bio|energy|ict",
	    "building construction|renovation|civil engineering|"
	    "hvac installation|electrical installation|"
	    "building information modelling|energy-efficient buildings|"
	    "prefabricated elements|concrete products|road construction|"
	    "structural engineering|geotechnical engineering|"
	    "infrastructure design|modular construction|building automation|"
	    "bridge construction|facade systems|demolition|"
	    "earthworks|insulation" },
	{ "logistics", 6, "49|52|50|30|29",
	    "Logistics|Transport|Shipping|Marine|Freight|Cargo", "logistics",
	    "the forest industry|retail chains|the mining industry|"
	    "manufacturers|e-commerce companies",
	    "Logistics|Maritime|Mobility", "ict|energy|automation",
	    "logistics services|freight forwarding|warehousing|"
	    "road transport|port services|cold storage|marine engineering|"
	    "shipbuilding|supply chain management|fleet management|"
	    "last-mile delivery|vehicle components|rail equipment|"
	    "arctic logistics|electric vehicles|drones|trailers|"
	    "customs clearance|heavy transport|boat building" },
	{ "health", 6, "32|26|21|86|72",
	    "Medical|Health|Diagnostics|Care|Medtech|Life", "health technology",
	    "hospitals|care providers|clinics|pharmacies|elderly care",
	    "Health Tech|Life Science|Wellbeing", "electronics|ict|chem",
	    "medical devices|health technology|diagnostics|digital health|"
	    "telemedicine|wearables|medical imaging|rehabilitation technology|"
	    "laboratory equipment|clinical trials|assistive technology|"
	    "elderly care solutions|biobanking|dental technology|"
	    "hygiene products|sports technology|nutrition science" },
	{ "consulting", 8, "71|70|72|74",
	    "Consulting|Engineering|Partners|Advisors|Design|Innovation",
	    "engineering and consultancy",
	    "manufacturing companies|the public sector|the energy sector|"
	    "start-ups|the process industry",
	    "Innovation|Engineering|Knowledge-Intensive Services", "ict|metal",
	    "engineering services|product development|technical consulting|"
	    "industrial design|testing and certification|"
	    "environmental consulting|r&d services|project management|"
	    "process engineering|feasibility studies|regulatory compliance|"
	    "technology transfer|innovation management|market research|"
	    "export consulting|patent services|lean consulting|"
	    "sustainability reporting|eu funding advice" },
	{ "creative", 5, "55|79|90|59|93",
	    "Travel|Adventures|Studios|Media|Games|Events|Experiences",
	    "tourism and creative",
	    "tour operators|international travellers|brands|broadcasters|"
	    "event organisers",
	    "Tourism|Creative Industries|Experience Economy", "ict|food",
	    "nature tourism|event production|video production|"
	    "arctic tourism|virtual reality|augmented reality|"
	    "content production|design services|cultural tourism|"
	    "wellness tourism|hospitality services|safari services|"
	    "photography|music production|animation" },
	{ "textile", 4, "13|14|31|32",
	    "Textiles|Design|Furniture|Interiors|Workwear|Crafts",
	    "textile and furniture",
	    "retailers|public buyers|hotels|offices|sports brands",
	    "Design|Textiles|Furniture", "chem|circular|ict",
	    "furniture manufacturing|technical textiles|interior design|"
	    "woodworking|smart textiles|workwear|upholstery|"
	    "sports equipment|3d printing|additive manufacturing|"
	    "jewellery|knitwear|leather goods|acoustic panels" },
};

#define GEN_NPROFILES (sizeof(gen_profile_defs) / sizeof(gen_profile_defs[0]))

/* Offers and seeks that are not capabilities of one industry. */
static const char gen_offers_generic[] =
    "contract manufacturing|subcontracting|r&d cooperation|"
    "pilot facilities|testing services|consulting|training|"
    "technology licensing|joint product development|engineering capacity|"
    "test beds|co-development|distribution|installation services|"
    "after-sales service|prototyping|expert services";
static const char gen_seeks_generic[] =
    "export partners|distributors|investors|r&d partners|pilot customers|"
    "subcontractors|skilled workforce|growth funding|test environments|"
    "raw material suppliers|international customers|public procurement "
    "partners|university collaboration|joint ventures|"
    "partners for eu projects|sales agents";

/* ---- countries ---- */

/* How names, addresses and languages look in one country. Forms are
 * repeated to weight them; prefix forms go before the name (LT, LV). */
struct gen_style_def {
	const char *iso;
	uint32_t weight; /* relative number of organisations */
	const char *forms;
	const char *large_forms;
	int form_prefix;
	const char *surnames;
	const char *words;
	const char *mail; /* local parts of organisational addresses */
	const char *langs; /* native first; second with 30%, third 15% */
};

static const struct gen_style_def gen_style_defs[] = {
	{ "FI", 15, "Oy|Oy|Oy|Oy|Oy|Oy|Oy|Oy|Oy|Oy|Oy|Oy|Ky|Tmi|Ab", "Oyj|Oy",
	    0,
	    "Virtanen|Korhonen|Mäkinen|Nieminen|Mäkelä|Hämäläinen|Laine|"
	    "Heikkinen|Koskinen|Järvinen|Lehtonen|Lehtinen|Saarinen|Salminen|"
	    "Heinonen|Niemi|Heikkilä|Kinnunen|Salonen|Turunen|Salo|Laitinen|"
	    "Tuominen|Rantanen|Karjalainen|Jokinen|Mattila|Savolainen|"
	    "Lahtinen|Ahonen|Kallio|Hakala|Leppänen|Räsänen|Aaltonen|"
	    "Honkanen|Pelkonen|Kemppainen|Väisänen|Huttunen",
	    "Metalli|Konepaja|Teräs|Tekniikka|Rakennus|Kuljetus|Sähkö|Puu|"
	    "Kone|Hitsaus|Automaatio|Elektroniikka|Ympäristö|Energia|Muovi|"
	    "Valimo|Putki|Mittaus|Logistiikka|Palvelu",
	    "info|info|info|toimisto|myynti|asiakaspalvelu|contact",
	    "fi|en|sv|de" },
	{ "SE", 25, "AB|AB|AB|AB|AB|AB|AB|AB|AB|AB|HB", "AB|AB (publ)", 0,
	    "Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson|Olsson|"
	    "Persson|Svensson|Gustafsson|Pettersson|Jonsson|Jansson|Hansson|"
	    "Bengtsson|Jönsson|Lindberg|Jakobsson|Magnusson|Lindström|"
	    "Olofsson|Lindqvist|Lindgren|Berg|Axelsson|Bergström|Lundberg|"
	    "Lind|Lundgren|Lundqvist|Mattsson|Berglund|Fredriksson|Sandberg",
	    "Mekaniska|Verkstad|Bygg|Trä|Teknik|Maskin|Plåt|Svets|Elektro|"
	    "Energi|Miljö|Transport|Gjuteri|Industri|Automation|Konsult|Data|"
	    "Plast|Stål|Hydraulik",
	    "info|info|info|kontakt|order|hej", "sv|en|fi|de" },
	{ "NO", 12, "AS|AS|AS|AS|AS|AS|AS|AS|AS|AS|ENK", "ASA|AS", 0,
	    "Hansen|Johansen|Olsen|Larsen|Andersen|Pedersen|Nilsen|"
	    "Kristiansen|Jensen|Karlsen|Johnsen|Pettersen|Eriksen|Berg|Haugen|"
	    "Hagen|Johannessen|Andreassen|Jacobsen|Dahl|Jørgensen|Halvorsen|"
	    "Henriksen|Lund|Sørensen|Moen|Gundersen|Iversen|Strand|Solberg|"
	    "Svendsen|Eide|Knutsen|Martinsen|Bakken|Lie",
	    "Mekaniske|Verksted|Bygg|Teknikk|Maskin|Elektro|Energi|Miljø|"
	    "Transport|Sveis|Stål|Industri|Marine|Subsea|Automasjon|Data|"
	    "Plast|Hydraulikk|Service|Installasjon",
	    "post|post|info|info|firmapost|kontakt", "no|en|sv|de" },
	{ "DK", 13, "ApS|ApS|ApS|ApS|ApS|ApS|ApS|A/S|A/S|A/S|I/S", "A/S", 0,
	    "Jensen|Nielsen|Hansen|Pedersen|Andersen|Christensen|Larsen|"
	    "Sørensen|Rasmussen|Jørgensen|Petersen|Madsen|Kristensen|Olsen|"
	    "Thomsen|Christiansen|Poulsen|Johansen|Møller|Mortensen|Knudsen|"
	    "Jakobsen|Mikkelsen|Olesen|Frederiksen|Laursen|Henriksen|Lund|"
	    "Schmidt|Eriksen",
	    "Maskinfabrik|Smedie|Byg|Teknik|El|Energi|Miljø|Transport|Stål|"
	    "Industri|Automation|Data|Plast|Hydraulik|Service|Montage|Vind|"
	    "Fødevarer|Køleteknik|Værktøj",
	    "info|info|info|kontakt|salg|mail", "da|en|de|sv" },
	{ "EE", 5, "OÜ|OÜ|OÜ|OÜ|OÜ|OÜ|OÜ|OÜ|AS|AS", "AS", 0,
	    "Tamm|Saar|Sepp|Mägi|Kask|Kukk|Rebane|Ilves|Pärn|Koppel|Lepik|Luik|"
	    "Kaasik|Lõhmus|Raudsepp|Kallas|Vaher|Kuusk|Karu|Mets|Oja|Teder|"
	    "Laur|Põder|Kivi",
	    "Metall|Ehitus|Tehnika|Puit|Energia|Transport|Masin|Elekter|"
	    "Keevitus|Automaatika|Andmed|Plast|Teras|Logistika|Tarkvara",
	    "info|info|info|kontakt|myyk|office", "et|en|ru|fi" },
	{ "LV", 5, "SIA|SIA|SIA|SIA|SIA|SIA|SIA|SIA|AS", "AS", 1,
	    "Bērziņš|Kalniņš|Ozoliņš|Jansons|Liepiņš|Krūmiņš|Balodis|Eglītis|"
	    "Zariņš|Pētersons|Vītols|Kļaviņš|Kārkliņš|Vanags|Lācis|Siliņš|"
	    "Rozītis|Zvaigzne|Celmiņš|Grīnbergs",
	    "Metāls|Būve|Tehnika|Koks|Enerģija|Transports|Mašīnbūve|Elektro|"
	    "Metināšana|Automātika|Dati|Plastmasa|Tērauds|Loģistika|Serviss",
	    "info|info|info|birojs|office", "lv|en|ru|de" },
	{ "LT", 8, "UAB|UAB|UAB|UAB|UAB|UAB|UAB|UAB|UAB|UAB|MB|MB|AB", "AB|UAB",
	    1,
	    "Kazlauskas|Jankauskas|Petrauskas|Stankevičius|Vasiliauskas|"
	    "Žukauskas|Butkus|Paulauskas|Urbonas|Kavaliauskas|Baranauskas|"
	    "Pocius|Navickas|Sakalauskas|Rimkus|Šimkus|Mockus|Lukošius|"
	    "Ramanauskas|Balčiūnas|Jonaitis|Kairys|Vaitkus|Adomaitis|"
	    "Žilinskas",
	    "Metalas|Statyba|Technika|Mediena|Energija|Transportas|Mašinos|"
	    "Elektra|Suvirinimas|Automatika|Duomenys|Plastikas|Plienas|"
	    "Logistika|Servisas|Lazeriai|Inžinerija",
	    "info|info|info|pardavimai|office", "lt|en|ru|pl" },
	{ "PL", 60,
	    "sp. z o.o.|sp. z o.o.|sp. z o.o.|sp. z o.o.|sp. z o.o.|"
	    "sp. z o.o.|sp. z o.o.|sp. z o.o.|S.A.|sp.j.|sp.k.",
	    "S.A.", 0,
	    "Nowak|Kowalski|Wiśniewski|Wójcik|Kowalczyk|Kamiński|Lewandowski|"
	    "Zieliński|Szymański|Woźniak|Dąbrowski|Kozłowski|Jankowski|Mazur|"
	    "Kwiatkowski|Krawczyk|Piotrowski|Grabowski|Nowakowski|Pawłowski|"
	    "Michalski|Nowicki|Adamczyk|Dudek|Zając",
	    "Metal|Stal|Budownictwo|Technika|Drewno|Energia|Transport|Maszyny|"
	    "Elektro|Spawalnictwo|Automatyka|Plast|Logistyka|Serwis|"
	    "Inżynieria|Systemy|Konstrukcje",
	    "biuro|biuro|info|info|kontakt|sekretariat", "pl|en|de|uk" },
	{ "DE", 100,
	    "GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|"
	    "GmbH & Co. KG|GmbH & Co. KG|GmbH & Co. KG|e.K.|UG|AG",
	    "AG|SE|GmbH", 0,
	    "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|"
	    "Hoffmann|Schäfer|Koch|Bauer|Richter|Klein|Wolf|Schröder|Neumann|"
	    "Schwarz|Zimmermann|Braun|Krüger|Hofmann|Hartmann|Lange|Schmitt|"
	    "Werner|Schmitz|Krause|Meier",
	    "Metallbau|Maschinenbau|Stahlbau|Technik|Anlagenbau|"
	    "Elektrotechnik|Energietechnik|Umwelttechnik|Logistik|Automation|"
	    "Kunststofftechnik|Präzisionstechnik|Werkzeugbau|Holzbau|"
	    "Messtechnik|Lasertechnik|Antriebstechnik|Oberflächentechnik|"
	    "Systemtechnik|Fördertechnik",
	    "info|info|info|kontakt|vertrieb|office", "de|en|fr|pl" },
	{ "AT", 18, "GmbH|GmbH|GmbH|GmbH|GmbH|GmbH|GmbH & Co KG|e.U.|AG",
	    "AG|GmbH", 0,
	    "Gruber|Huber|Bauer|Wagner|Müller|Pichler|Steiner|Moser|Mayer|"
	    "Hofer|Leitner|Berger|Fuchs|Eder|Fischer|Schmid|Winkler|Weber|"
	    "Schwarz|Maier",
	    "Metallbau|Maschinenbau|Technik|Anlagenbau|Elektrotechnik|"
	    "Holzbau|Umwelttechnik|Logistik|Automation|Kunststofftechnik",
	    "office|office|info|info|kontakt", "de|en|it|sl" },
	{ "FR", 80, "SAS|SAS|SAS|SAS|SAS|SAS|SARL|SARL|SARL|SARL|SA|EURL",
	    "SA|SE", 0,
	    "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|"
	    "Moreau|Simon|Laurent|Lefebvre|Michel|Garcia|David|Bertrand|Roux|"
	    "Vincent|Fournier|Morel|Girard|Mercier|Dupont|Lambert",
	    "Mécanique|Industrie|Technologies|Usinage|Métallerie|Ingénierie|"
	    "Énergie|Environnement|Systèmes|Automatismes|Chaudronnerie|"
	    "Plasturgie|Logistique|Électronique",
	    "contact|contact|contact|info|accueil|commercial", "fr|en|de|es" },
	{ "IT", 90,
	    "S.r.l.|S.r.l.|S.r.l.|S.r.l.|S.r.l.|S.r.l.|S.r.l.|S.r.l.|"
	    "S.p.A.|S.n.c.|S.a.s.",
	    "S.p.A.", 0,
	    "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|"
	    "Greco|Bruno|Gallo|Conti|De Luca|Mancini|Costa|Giordano|Rizzo|"
	    "Lombardi|Moretti|Barbieri|Fontana|Santoro|Mariani|Rinaldi",
	    "Meccanica|Industrie|Tecnologie|Lavorazioni|Carpenteria|Ingegneria|"
	    "Energia|Ambiente|Sistemi|Automazione|Plastica|Logistica|"
	    "Elettronica|Stampi",
	    "info|info|info|commerciale|amministrazione|contatti",
	    "it|en|de|fr" },
	{ "ES", 70,
	    "S.L.|S.L.|S.L.|S.L.|S.L.|S.L.|S.L.|S.L.|S.A.|S.L.U.|"
	    "S.Coop.",
	    "S.A.", 0,
	    "García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|"
	    "Gómez|Martín|Jiménez|Ruiz|Hernández|Díaz|Moreno|Muñoz|Álvarez|"
	    "Romero|Alonso|Gutiérrez|Navarro|Torres|Domínguez|Vázquez|Ramos",
	    "Mecánica|Industrias|Tecnologías|Mecanizados|Metalúrgica|"
	    "Ingeniería|Energía|Medio Ambiente|Sistemas|Automatización|"
	    "Plásticos|Logística|Electrónica|Construcciones",
	    "info|info|info|contacto|comercial|administracion", "es|en|ca|fr" },
	{ "NL", 35, "B.V.|B.V.|B.V.|B.V.|B.V.|B.V.|B.V.|B.V.|V.O.F.|N.V.",
	    "N.V.|B.V.", 0,
	    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|"
	    "Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|"
	    "Hendriks|van Leeuwen|Dekker|Brouwer",
	    "Techniek|Metaal|Machinebouw|Installatietechniek|Bouw|Energie|"
	    "Milieu|Logistiek|Automatisering|Kunststof|Engineering|Systemen",
	    "info|info|info|contact|verkoop", "nl|en|de|fr" },
};

#define GEN_NSTYLES (sizeof(gen_style_defs) / sizeof(gen_style_defs[0]))

/* Countries without their own style write English-looking names. */
static const struct gen_style_def gen_style_generic = { "", 15, "Ltd", "Group",
	0, "", "Engineering|Technology|Industries|Systems|Services|Solutions",
	"info|info|info|contact|office", "en" };

/*
 * Towns of the regions most often used in Stardust's pilots, with
 * weights (tenths) standing in for their economic size. A region of these
 * countries that is not listed (Jan Mayen, Extra-Regio) gets no members;
 * in other countries the town is taken from the region's label.
 */
struct gen_town_def {
	const char *nuts;
	uint32_t weight;
	const char *towns;
};

static const struct gen_town_def gen_town_defs[] = {
	{ "FI196", 40, "Pori|Rauma|Ulvila|Harjavalta|Kankaanpää" },
	{ "FI198", 50, "Jyväskylä|Jämsä|Äänekoski|Laukaa|Saarijärvi" },
	{ "FI199", 40, "Seinäjoki|Lapua|Kauhava|Kurikka|Alavus" },
	{ "FI19A", 40,
	    "Vaasa|Mustasaari|Pietarsaari|Kristiinankaupunki|"
	    "Närpiö" },
	{ "FI19B", 100,
	    "Tampere|Nokia|Ylöjärvi|Kangasala|Valkeakoski|"
	    "Lempäälä" },
	{ "FI1B1", 300,
	    "Helsinki|Espoo|Vantaa|Porvoo|Lohja|Kerava|Järvenpää|"
	    "Hyvinkää|Tuusula|Kirkkonummi" },
	{ "FI1C1", 90, "Turku|Salo|Kaarina|Raisio|Naantali|Uusikaupunki" },
	{ "FI1C2", 30, "Hämeenlinna|Riihimäki|Forssa|Janakkala" },
	{ "FI1C5", 30, "Lappeenranta|Imatra|Lemi" },
	{ "FI1C6", 40, "Lahti|Hollola|Heinola|Orimattila" },
	{ "FI1C7", 30, "Kotka|Kouvola|Hamina" },
	{ "FI1D5", 20, "Kokkola|Kannus|Kaustinen" },
	{ "FI1D7", 40,
	    "Rovaniemi|Kemi|Tornio|Sodankylä|Kittilä|Kemijärvi|"
	    "Inari" },
	{ "FI1D8", 20, "Kajaani|Sotkamo|Kuhmo|Suomussalmi" },
	{ "FI1D9", 80, "Oulu|Raahe|Kempele|Ylivieska|Kuusamo|Haapavesi" },
	{ "FI1DA", 30, "Mikkeli|Savonlinna|Pieksämäki" },
	{ "FI1DB", 50, "Kuopio|Iisalmi|Varkaus|Siilinjärvi" },
	{ "FI1DC", 30, "Joensuu|Lieksa|Kitee|Nurmes" },
	{ "FI200", 10, "Mariehamn|Jomala" },
	{ "SE110", 250, "Stockholm|Solna|Södertälje|Täby|Nacka|Sundbyberg" },
	{ "SE121", 40, "Uppsala|Enköping" },
	{ "SE122", 30, "Eskilstuna|Nyköping|Katrineholm" },
	{ "SE123", 50, "Linköping|Norrköping|Motala" },
	{ "SE124", 30, "Örebro|Karlskoga|Kumla" },
	{ "SE125", 30, "Västerås|Köping|Sala" },
	{ "SE211", 40, "Jönköping|Värnamo|Gislaved|Nässjö" },
	{ "SE212", 20, "Växjö|Ljungby|Älmhult" },
	{ "SE213", 20, "Kalmar|Västervik|Oskarshamn" },
	{ "SE214", 10, "Visby" },
	{ "SE221", 20, "Karlskrona|Karlshamn|Ronneby" },
	{ "SE224", 120, "Malmö|Helsingborg|Lund|Kristianstad|Landskrona" },
	{ "SE231", 30, "Halmstad|Varberg|Falkenberg|Kungsbacka" },
	{ "SE232", 150, "Göteborg|Borås|Trollhättan|Skövde|Uddevalla|Mölndal" },
	{ "SE311", 30, "Karlstad|Kristinehamn|Arvika" },
	{ "SE312", 30, "Falun|Borlänge|Ludvika|Avesta" },
	{ "SE313", 30, "Gävle|Sandviken|Hudiksvall|Söderhamn" },
	{ "SE321", 30, "Sundsvall|Örnsköldsvik|Härnösand" },
	{ "SE322", 10, "Östersund|Åre" },
	{ "SE331", 30, "Umeå|Skellefteå|Lycksele" },
	{ "SE332", 30, "Luleå|Kiruna|Piteå|Boden|Gällivare" },
	{ "NO020", 40, "Hamar|Lillehammer|Gjøvik|Kongsvinger|Elverum" },
	{ "NO060", 60, "Trondheim|Steinkjer|Stjørdal|Levanger|Orkanger" },
	{ "NO071", 30, "Bodø|Mo i Rana|Narvik|Mosjøen" },
	{ "NO072", 20, "Tromsø|Harstad|Finnsnes" },
	{ "NO073", 10, "Alta|Hammerfest|Kirkenes|Vadsø" },
	{ "NO081", 140, "Oslo" },
	{ "NO083", 40, "Fredrikstad|Sarpsborg|Moss|Halden" },
	{ "NO084", 70, "Bærum|Lillestrøm|Asker|Lørenskog|Ski" },
	{ "NO085", 30, "Drammen|Kongsberg|Hønefoss" },
	{ "NO092", 40, "Kristiansand|Arendal|Grimstad|Mandal" },
	{ "NO093", 30, "Tønsberg|Sandefjord|Larvik|Horten" },
	{ "NO094", 20, "Skien|Porsgrunn|Notodden" },
	{ "NO0A1", 80, "Stavanger|Sandnes|Haugesund|Egersund" },
	{ "NO0A2", 90, "Bergen|Førde|Stord|Voss" },
	{ "NO0A3", 40, "Ålesund|Molde|Kristiansund" },
	{ "NO0B2", 1, "Longyearbyen" },
	{ "DK011", 140, "København" },
	{ "DK012", 80, "Gentofte|Gladsaxe|Lyngby|Ballerup|Brøndby|Glostrup" },
	{ "DK013", 50, "Hillerød|Helsingør|Frederikssund|Hørsholm" },
	{ "DK014", 10, "Rønne|Nexø" },
	{ "DK021", 40, "Roskilde|Køge|Greve" },
	{ "DK022", 50, "Næstved|Slagelse|Holbæk|Kalundborg" },
	{ "DK031", 70, "Odense|Svendborg|Middelfart|Nyborg" },
	{ "DK032", 80, "Esbjerg|Kolding|Vejle|Sønderborg|Fredericia|Aabenraa" },
	{ "DK041", 50, "Herning|Holstebro|Ikast|Skive|Ringkøbing" },
	{ "DK042", 100, "Aarhus|Horsens|Randers|Silkeborg|Skanderborg" },
	{ "DK050", 60, "Aalborg|Hjørring|Frederikshavn|Thisted" },
	{ "EE001", 120, "Tallinn|Maardu|Keila|Saue" },
	{ "EE004", 30, "Pärnu|Haapsalu|Kuressaare" },
	{ "EE008", 50, "Tartu|Võru|Viljandi|Põlva|Valga" },
	{ "EE009", 20, "Paide|Rakvere|Rapla|Jõgeva" },
	{ "EE00A", 20, "Narva|Kohtla-Järve|Jõhvi|Sillamäe" },
	{ "LV005", 30, "Daugavpils|Rēzekne|Ludza" },
	{ "LV009", 30, "Jelgava|Bauska|Dobele" },
	{ "LV00A", 150, "Rīga" },
	{ "LV00B", 30, "Liepāja|Ventspils|Kuldīga|Talsi" },
	{ "LV00C", 30, "Valmiera|Cēsis|Sigulda|Gulbene" },
	{ "LT011", 140, "Vilnius|Trakai|Ukmergė|Elektrėnai" },
	{ "LT021", 20, "Alytus|Druskininkai" },
	{ "LT022", 80, "Kaunas|Jonava|Kėdainiai" },
	{ "LT023", 50, "Klaipėda|Palanga|Kretinga" },
	{ "LT024", 20, "Marijampolė|Vilkaviškis" },
	{ "LT025", 30, "Panevėžys|Biržai|Rokiškis" },
	{ "LT026", 30, "Šiauliai|Radviliškis|Joniškis" },
	{ "LT027", 10, "Tauragė" },
	{ "LT028", 20, "Telšiai|Mažeikiai|Plungė" },
	{ "LT029", 20, "Utena|Visaginas|Anykščiai" },
};

#define GEN_NTOWNS (sizeof(gen_town_defs) / sizeof(gen_town_defs[0]))

/* Kinds, with their share of members (per mille). */
static const struct {
	const char *name;
	uint32_t weight;
} gen_kinds[] = {
	{ "sme", 815 },
	{ "large", 50 },
	{ "cluster", 25 },
	{ "rto", 25 },
	{ "university", 10 },
	{ "agency", 15 },
	{ "network", 30 },
	{ "investor", 30 },
};

enum {
	GEN_SME,
	GEN_LARGE,
	GEN_CLUSTER,
	GEN_RTO,
	GEN_UNIVERSITY,
	GEN_AGENCY,
	GEN_NETWORK,
	GEN_INVESTOR,
	GEN_NKINDS
};

/* Syllables of invented brand names ("Norvex", "Tekion"). */
static const char gen_coin_pre[] =
    "Nor|Ark|Vel|Tek|Lum|Sol|Kar|Mer|Ter|Aur|Ven|Cor|Fen|Hal|Iso|Kor|Lin|"
    "Mar|Nex|Opt|Pol|Qua|Rev|Sen|Tor|Uni|Val|Wol|Xen|Zen|Bio|Eco|Geo|Hyd|"
    "Met|Nan|Neo|Omn|Pro|Syn|Alt|Bal|Cer|Dyn|Ele|Fer|Gal|Hel|Ign|Kin|Lex|"
    "Mag|Nav|Ori|Pyr|Sil|Tri|Vir|Vox|Ard";
static const char gen_coin_suf[] =
    "vex|tec|lux|ion|ora|um|ix|ia|eon|ova|ar|is|on|ex|os|ent|ium|ica|ax|"
    "en|ro|tor|ma|tra|lo|nia|sys|lab|ware|tron|gen|mo|ra|dia|tek";
static const char gen_adjectives[] =
    "Nordic|Arctic|Baltic|North|Polar|Green|Smart|Blue|Prime|Nova|Boreal|"
    "Aurora|Euro|Future|Bright|True|First|Clear|Modern|United|Advanced|"
    "Global|Coastal|Northern|Eastern|Western|Central|Alpine|Delta|Apex";

/* ---- the generator's state ---- */

struct gen_profile {
	const struct gen_profile_def *def;
	struct gen_list nouns, markets, themes, caps;
	struct gen_wtab capw; /* Zipf over caps */
	size_t partners[4], npartners;
	char **sectors; /* NACE codes of its divisions */
	size_t nsectors;
};

struct gen_region {
	char code[8];
	char *label; /* owned */
	struct gen_list towns;
};

struct gen_country {
	char iso[3];
	char nuts[3]; /* NUTS writes Greece as EL */
	const char *name; /* English, from the code lists */
	const struct gen_style_def *style;
	struct gen_list forms, large_forms, surnames, words, mail, langs;
	struct gen_region *regions;
	size_t nregions;
	struct gen_wtab regw;
	long numbered; /* names made unique with a number */
};

/* A set of (country, folded name) keys: open addressing, linear probe. */
struct gen_names {
	char **slot;
	size_t cap, n;
};

struct gen {
	const struct codes *codes;
	int nace_rev; /* CODES_NACE_REV2_1 or CODES_NACE_REV2 */
	struct gen_profile prof[GEN_NPROFILES];
	struct gen_wtab profw, kindw, countryw;
	struct gen_list vocab; /* every capability, for the global draw */
	struct gen_wtab vocabw;
	struct gen_list offers, seeks, coin_pre, coin_suf, adjectives;
	struct gen_country *countries;
	size_t ncountries;
	struct gen_names names;
	struct gen_buf line, desc, tmp;
};

/* One organisation being written. */
struct gen_org {
	int kind;
	struct gen_country *country;
	const struct gen_region *region;
	const char *town;
	struct gen_profile *prof;
	char name[256];
	char website[320];
	char email[320];
	const char *sectors[6];
	size_t nsectors;
	const char *caps[GEN_CAPS_MAX];
	size_t ncaps;
	const char *offers[6];
	size_t noffers;
	const char *seeks[6];
	size_t nseeks;
	const char *langs[4];
	size_t nlangs;
	uint32_t employees, founded;
};

/* ---- reading the data files ---- */

/*
 * Splits one CSV line in place into at most max fields (RFC 4180 quoting,
 * no embedded newlines: the code lists have none). Returns the number of
 * fields.
 */
static int
gen_csv_split(char *s, char **f, int max)
{
	int n = 0;
	char *w;

	s[strcspn(s, "\r\n")] = '\0';
	while (n < max) {
		if (*s == '"') {
			f[n++] = w = ++s;
			while (*s) {
				if (s[0] == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (s[0] == '"') {
					s++;
					break;
				} else {
					*w++ = *s++;
				}
			}
			s += strcspn(s, ",");
			if (*s == ',') {
				*w = '\0';
				s++;
				continue;
			}
			*w = '\0';
			break;
		}
		f[n++] = s;
		s += strcspn(s, ",");
		if (*s != ',')
			break;
		*s++ = '\0';
	}
	return n;
}

/* Opens DIR/file for reading; on failure says why and returns NULL with
 * errno kept from fopen. */
static FILE *
gen_open_data(const char *dir, const char *file)
{
	char path[4096];
	FILE *f;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "r")) == NULL) {
		e = errno;
		fprintf(stderr, "sdgen: %s: %s (use --data DIR)\n", path,
		    strerror(e));
		errno = e;
	}
	return f;
}

/* Loads the level-3/4 NACE codes of every profile's divisions. */
static int
gen_load_nace(struct gen *g, const char *dir)
{
	char line[GEN_LINE_MAX], *f[4];
	const char *file = g->nace_rev == CODES_NACE_REV2 ? "nace-rev2.csv"
	                                                  : "nace-rev2.1.csv";
	FILE *fp;
	size_t i, j;
	int rc = 0;

	if ((fp = gen_open_data(dir, file)) == NULL)
		return errno ? -errno : -EIO;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char **nv;
		if (gen_csv_split(line, f, 4) < 2)
			continue;
		if (strcmp(f[1], "3") != 0 && strcmp(f[1], "4") != 0)
			continue;
		if (codes_nace(g->codes, g->nace_rev, f[0], NULL, NULL) != 0)
			continue; /* not in the list the validator uses */
		for (i = 0; i < GEN_NPROFILES; i++) {
			struct gen_profile *p = &g->prof[i];
			const char *d = p->def->divs;
			int hit = 0;
			/* divs is "25|24|28": match the code's first two digits */
			for (j = 0; d[j]; j += d[j + 2] ? 3 : 2)
				if (strncmp(d + j, f[0], 2) == 0)
					hit = 1;
			if (!hit)
				continue;
			nv = realloc(
			    p->sectors, (p->nsectors + 1) * sizeof(*nv));
			if (nv == NULL ||
			    (nv[p->nsectors] = strdup(f[0])) == NULL) {
				if (nv != NULL)
					p->sectors = nv;
				rc = -ENOMEM;
				goto out;
			}
			p->sectors = nv;
			p->nsectors++;
		}
	}
	for (i = 0; i < GEN_NPROFILES; i++)
		if (g->prof[i].nsectors == 0) {
			fprintf(stderr,
			    "sdgen: %s has no codes for profile %s\n", file,
			    g->prof[i].def->key);
			rc = SD_EINVAL;
		}
out:
	fclose(fp);
	return rc;
}

/* The town of a region without a town table: its label, shortened
 * ("Stuttgart, Stadtkreis" -> "Stuttgart", "Miasto Kraków" -> "Kraków",
 * "Trøndelag/Trööndelage" -> "Trøndelag"). */
static char *
gen_label_town(const char *label, uint32_t *weight)
{
	const char *s = label;
	size_t n;
	char *o;

	*weight = 20;
	if (strncmp(s, "Miasto ", 7) == 0) {
		s += 7;
		*weight = 50;
	} else if (strncmp(s, "Arr. de ", 8) == 0) {
		s += 8;
	} else if (strncmp(s, "Arr. ", 5) == 0) {
		s += 5;
	}
	if (strstr(s, "Stadtkreis") != NULL ||
	    strstr(s, "Kreisfreie Stadt") != NULL)
		*weight = 40;
	n = strcspn(s, ",/(");
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0 || (o = strndup(s, n)) == NULL)
		return NULL;
	return o;
}

static const struct gen_town_def *
gen_town_find(const char *nuts)
{
	size_t i;

	for (i = 0; i < GEN_NTOWNS; i++)
		if (strcmp(gen_town_defs[i].nuts, nuts) == 0)
			return &gen_town_defs[i];
	return NULL;
}

/* 1 if this country has a town table (so unlisted regions are skipped). */
static int
gen_country_has_towns(const char *nuts_country)
{
	size_t i;

	for (i = 0; i < GEN_NTOWNS; i++)
		if (strncmp(gen_town_defs[i].nuts, nuts_country, 2) == 0)
			return 1;
	return 0;
}

static int
gen_prefix_ok(const char *region, const char *nuts_country,
    const struct gen_list *prefixes)
{
	size_t i;
	int own = 0;

	/* As in a node certificate: prefixes restrict only their own
	 * country; a country none of them names is allowed whole. */
	for (i = 0; i < prefixes->n; i++) {
		if (strncmp(prefixes->v[i], nuts_country, 2) != 0)
			continue;
		own = 1;
		if (strncmp(region, prefixes->v[i], strlen(prefixes->v[i])) ==
		    0)
			return 1;
	}
	return !own;
}

/* Loads the level-3 regions of every chosen country. */
static int
gen_load_nuts(struct gen *g, const char *dir, const struct gen_list *prefixes)
{
	char line[GEN_LINE_MAX], *f[4];
	struct gen_country *c;
	const struct gen_town_def *td;
	const char *iso;
	uint32_t *wt = NULL;
	FILE *fp;
	size_t i;
	int rc = 0, level;

	if ((fp = gen_open_data(dir, "nuts-2024.csv")) == NULL)
		return errno ? -errno : -EIO;
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct gen_region *nr, *r;
		uint32_t w;
		char *town;
		if (gen_csv_split(line, f, 4) < 4 || strcmp(f[2], "3") != 0)
			continue;
		if (strlen(f[0]) != 5 || strcmp(f[0] + 2, "ZZZ") == 0)
			continue; /* Extra-Regio holds no organisations */
		if (codes_nuts(g->codes, f[0], &iso, &level) != 0 || level != 3)
			continue;
		for (i = 0, c = NULL; i < g->ncountries; i++)
			if (strcmp(g->countries[i].iso, iso) == 0)
				c = &g->countries[i];
		if (c == NULL || !gen_prefix_ok(f[0], c->nuts, prefixes))
			continue;
		if ((td = gen_town_find(f[0])) == NULL &&
		    gen_country_has_towns(c->nuts))
			continue;
		if ((nr = realloc(c->regions,
		         (c->nregions + 1) * sizeof(*nr))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		c->regions = nr;
		r = &nr[c->nregions];
		memset(r, 0, sizeof(*r));
		snprintf(r->code, sizeof(r->code), "%s", f[0]);
		if ((r->label = strdup(f[3])) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		c->nregions++;
		if (td != NULL) {
			rc = gen_list_init(&r->towns, td->towns);
		} else if ((town = gen_label_town(f[3], &w)) != NULL) {
			rc = gen_list_init(&r->towns, town);
			free(town);
		} else {
			rc = gen_list_init(&r->towns, f[0]);
		}
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < g->ncountries; i++) {
		size_t j;
		c = &g->countries[i];
		if (c->nregions == 0) {
			fprintf(stderr,
			    "sdgen: no NUTS 2024 level-3 region of %s "
			    "%s\n",
			    c->iso,
			    prefixes->n ? "matches the NUTS "
			                  "prefixes"
			                : "(is it a NUTS country?)");
			rc = SD_EINVAL;
			goto out;
		}
		free(wt);
		if ((wt = calloc(c->nregions, sizeof(*wt))) == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (j = 0; j < c->nregions; j++) {
			uint32_t w = 20;
			if ((td = gen_town_find(c->regions[j].code)) != NULL)
				w = td->weight;
			else
				free(gen_label_town(c->regions[j].label, &w));
			wt[j] = w;
		}
		if ((rc = gen_wtab_init(&c->regw, wt, c->nregions)) != 0)
			goto out;
	}
out:
	free(wt);
	fclose(fp);
	return rc;
}

/* ---- set-up ---- */

static size_t
gen_profile_index(const char *key)
{
	size_t i;

	for (i = 0; i < GEN_NPROFILES; i++)
		if (strcmp(gen_profile_defs[i].key, key) == 0)
			return i;
	return GEN_NPROFILES;
}

static int
gen_vocab_has(const struct gen_buf *b, const char *item)
{
	size_t n = strlen(item);
	const char *p = b->p;

	/* b holds "|a|b|c|": look for "|item|". */
	while (p != NULL && (p = strstr(p, item)) != NULL) {
		if (p > b->p && p[-1] == '|' && p[n] == '|')
			return 1;
		p += n;
	}
	return 0;
}

static int
gen_init_profiles(struct gen *g)
{
	struct gen_buf all = { 0 };
	uint32_t wt[GEN_NPROFILES];
	struct gen_list partners;
	size_t i, j;
	int rc = 0;

	if ((rc = gen_buf_str(&all, "|")) != 0)
		return rc;
	for (i = 0; i < GEN_NPROFILES; i++) {
		struct gen_profile *p = &g->prof[i];
		p->def = &gen_profile_defs[i];
		wt[i] = p->def->weight;
		if ((rc = gen_list_init(&p->nouns, p->def->nouns)) != 0 ||
		    (rc = gen_list_init(&p->markets, p->def->markets)) != 0 ||
		    (rc = gen_list_init(&p->themes, p->def->themes)) != 0 ||
		    (rc = gen_list_init(&p->caps, p->def->caps)) != 0 ||
		    (rc = gen_wtab_zipf(&p->capw, p->caps.n)) != 0)
			goto out;
		if ((rc = gen_list_init(&partners, p->def->partners)) != 0)
			goto out;
		for (j = 0; j < partners.n && p->npartners < 4; j++) {
			size_t k = gen_profile_index(partners.v[j]);
			if (k < GEN_NPROFILES)
				p->partners[p->npartners++] = k;
		}
		gen_list_free(&partners);
		/* The global vocabulary ranks keywords by their rank within
		 * their profile, so it stays Zipf-like overall. */
	}
	for (j = 0;; j++) {
		int any = 0;
		for (i = 0; i < GEN_NPROFILES; i++) {
			struct gen_profile *p = &g->prof[i];
			if (j >= p->caps.n)
				continue;
			any = 1;
			if (gen_vocab_has(&all, p->caps.v[j]))
				continue;
			if ((rc = gen_buf_str(&all, p->caps.v[j])) != 0 ||
			    (rc = gen_buf_str(&all, "|")) != 0)
				goto out;
		}
		if (!any)
			break;
	}
	all.p[all.len - 1] = '\0'; /* the trailing '|' */
	if ((rc = gen_list_init(&g->vocab, all.p + 1)) != 0 ||
	    (rc = gen_wtab_zipf(&g->vocabw, g->vocab.n)) != 0 ||
	    (rc = gen_wtab_init(&g->profw, wt, GEN_NPROFILES)) != 0)
		goto out;
out:
	free(all.p);
	return rc;
}

static const struct gen_style_def *
gen_style_find(const char *iso)
{
	size_t i;

	for (i = 0; i < GEN_NSTYLES; i++)
		if (strcmp(gen_style_defs[i].iso, iso) == 0)
			return &gen_style_defs[i];
	return &gen_style_generic;
}

static int
gen_init_countries(struct gen *g, const struct gen_list *isos)
{
	uint32_t *wt;
	size_t i, j;
	int rc = 0;

	if ((g->countries = calloc(isos->n, sizeof(*g->countries))) == NULL ||
	    (wt = calloc(isos->n, sizeof(*wt))) == NULL)
		return -ENOMEM;
	for (i = 0; i < isos->n; i++) {
		struct gen_country *c = &g->countries[i];
		const char *iso = isos->v[i];
		if (strlen(iso) != 2 || codes_country(g->codes, iso) == NULL) {
			fprintf(stderr,
			    "sdgen: unknown country '%s' (ISO 3166-1 "
			    "alpha-2, upper case)\n",
			    iso);
			rc = SD_EINVAL;
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(g->countries[j].iso, iso) == 0) {
				fprintf(stderr,
				    "sdgen: country %s given twice\n", iso);
				rc = SD_EINVAL;
				goto out;
			}
		memcpy(c->iso, iso, 3);
		memcpy(c->nuts,
		    strcmp(iso, "GR") == 0       ? "EL"
		        : strcmp(iso, "GB") == 0 ? "UK"
		                                 : iso,
		    3);
		c->name = codes_country(g->codes, iso);
		c->style = gen_style_find(iso);
		wt[i] = c->style->weight;
		g->ncountries++;
		if ((rc = gen_list_init(&c->forms, c->style->forms)) != 0 ||
		    (rc = gen_list_init(
		         &c->large_forms, c->style->large_forms)) != 0 ||
		    (rc = gen_list_init(&c->surnames, c->style->surnames)) !=
		        0 ||
		    (rc = gen_list_init(&c->words, c->style->words)) != 0 ||
		    (rc = gen_list_init(&c->mail, c->style->mail)) != 0 ||
		    (rc = gen_list_init(&c->langs, c->style->langs)) != 0)
			goto out;
	}
	rc = gen_wtab_init(&g->countryw, wt, isos->n);
out:
	free(wt);
	return rc;
}

static void
gen_free(struct gen *g)
{
	size_t i, j;

	for (i = 0; i < GEN_NPROFILES; i++) {
		struct gen_profile *p = &g->prof[i];
		gen_list_free(&p->nouns);
		gen_list_free(&p->markets);
		gen_list_free(&p->themes);
		gen_list_free(&p->caps);
		gen_wtab_free(&p->capw);
		for (j = 0; j < p->nsectors; j++)
			free(p->sectors[j]);
		free(p->sectors);
	}
	for (i = 0; i < g->ncountries; i++) {
		struct gen_country *c = &g->countries[i];
		for (j = 0; j < c->nregions; j++) {
			free(c->regions[j].label);
			gen_list_free(&c->regions[j].towns);
		}
		free(c->regions);
		gen_wtab_free(&c->regw);
		gen_list_free(&c->forms);
		gen_list_free(&c->large_forms);
		gen_list_free(&c->surnames);
		gen_list_free(&c->words);
		gen_list_free(&c->mail);
		gen_list_free(&c->langs);
	}
	free(g->countries);
	gen_wtab_free(&g->profw);
	gen_wtab_free(&g->kindw);
	gen_wtab_free(&g->countryw);
	gen_wtab_free(&g->vocabw);
	gen_list_free(&g->vocab);
	gen_list_free(&g->offers);
	gen_list_free(&g->seeks);
	gen_list_free(&g->coin_pre);
	gen_list_free(&g->coin_suf);
	gen_list_free(&g->adjectives);
	for (i = 0; i < g->names.cap; i++)
		free(g->names.slot[i]);
	free(g->names.slot);
	free(g->line.p);
	free(g->desc.p);
	free(g->tmp.p);
}

/* ---- unique names ---- */

static uint64_t
gen_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
gen_names_init(struct gen_names *ns, size_t expect)
{
	size_t cap = 1024;

	while (cap < 2 * expect + 64)
		cap *= 2;
	if ((ns->slot = calloc(cap, sizeof(*ns->slot))) == NULL)
		return -ENOMEM;
	ns->cap = cap;
	return 0;
}

/*
 * Claims name in country iso: 0 if it was free (now taken), SD_EEXIST if
 * another member of that country already folds to the same name (and so
 * would get the same id).
 */
static int
gen_names_claim(struct gen *g, const char *iso, const char *name)
{
	struct gen_names *ns = &g->names;
	char *folded, *key;
	size_t i;
	int rc;

	if ((rc = text_fold(name, &folded)) != 0)
		return rc;
	gen_buf_reset(&g->tmp);
	rc = gen_buf_printf(&g->tmp, "%s:%s", iso, folded);
	free(folded);
	if (rc != 0)
		return rc;
	if (ns->n * 2 >= ns->cap)
		return -ENOMEM; /* sized for the run up front */
	for (i = gen_hash(g->tmp.p) & (ns->cap - 1); ns->slot[i] != NULL;
	     i = (i + 1) & (ns->cap - 1))
		if (strcmp(ns->slot[i], g->tmp.p) == 0)
			return SD_EEXIST;
	if ((key = strdup(g->tmp.p)) == NULL)
		return -ENOMEM;
	ns->slot[i] = key;
	ns->n++;
	return 0;
}

/* ---- one organisation ---- */

/*
 * The parts names are made of, drawn in one fixed order before any name
 * is formatted: C leaves the order in which function arguments are
 * evaluated unspecified, so two draws inside one call's arguments could
 * give different names with different compilers.
 */
struct gen_parts {
	unsigned pattern; /* 0-99 */
	char place[96]; /* usually the town, sometimes the region */
	char coined[32]; /* an invented brand: "Norvex" */
	const char *theme, *adjective, *noun, *surname1, *surname2;
};

static void
gen_parts_draw(struct gen *g, const struct gen_org *o, struct gen_rng *r,
    struct gen_parts *pt)
{
	const struct gen_country *c = o->country;
	const char *pre, *suf;

	pt->pattern = (unsigned)gen_rng_below(r, 100);
	if (gen_rng_pct(r, 80))
		snprintf(pt->place, sizeof(pt->place), "%s", o->town);
	else
		snprintf(pt->place, sizeof(pt->place), "%.*s",
		    (int)strcspn(o->region->label, ",/("), o->region->label);
	/* A label may have a space before the cut. */
	while (pt->place[0] && pt->place[strlen(pt->place) - 1] == ' ')
		pt->place[strlen(pt->place) - 1] = '\0';
	pre = gen_list_pick(&g->coin_pre, r);
	suf = gen_list_pick(&g->coin_suf, r);
	snprintf(pt->coined, sizeof(pt->coined), "%s%s", pre, suf);
	pt->theme = gen_list_pick(&o->prof->themes, r);
	pt->adjective = gen_list_pick(&g->adjectives, r);
	pt->noun = gen_list_pick(&o->prof->nouns, r);
	if (c->words.n && gen_rng_pct(r, 35))
		pt->noun = gen_list_pick(&c->words, r);
	pt->surname1 = pt->surname2 = NULL;
	if (c->surnames.n) {
		pt->surname1 = gen_list_pick(&c->surnames, r);
		pt->surname2 = gen_list_pick(&c->surnames, r);
	}
}

/* A company name: a surname, place, brand or adjective with a trade word,
 * and the country's legal form. */
static void
gen_company_name(const struct gen_org *o, const struct gen_parts *pt,
    struct gen_rng *r, char *out, size_t n)
{
	const struct gen_country *c = o->country;
	unsigned p = pt->pattern;
	const char *form;
	char base[192];

	if (p < 22 && pt->surname1 != NULL)
		snprintf(base, sizeof(base), "%s %s", pt->surname1, pt->noun);
	else if (p < 27 && pt->surname1 != NULL &&
	    strcmp(pt->surname1, pt->surname2) != 0)
		snprintf(
		    base, sizeof(base), "%s & %s", pt->surname1, pt->surname2);
	else if (p < 55)
		snprintf(base, sizeof(base), "%s %s", pt->coined, pt->noun);
	else if (p < 70)
		snprintf(base, sizeof(base), "%s", pt->coined);
	else if (p < 85)
		snprintf(base, sizeof(base), "%s %s", pt->place, pt->noun);
	else
		snprintf(base, sizeof(base), "%s %s", pt->adjective, pt->noun);
	if (o->kind == GEN_LARGE) {
		form = gen_list_pick(&c->large_forms, r);
		if (gen_rng_pct(r, 30))
			strncat(
			    base, " Group", sizeof(base) - strlen(base) - 1);
	} else {
		form = gen_list_pick(&c->forms, r);
	}
	if (c->style->form_prefix)
		snprintf(out, n, "%s %s", form, base);
	else
		snprintf(out, n, "%s %s", base, form);
}

static void
gen_org_name(
    struct gen *g, struct gen_org *o, struct gen_rng *r, char *out, size_t n)
{
	struct gen_parts pt;
	const char *pl, *th;
	unsigned p;

	gen_parts_draw(g, o, r, &pt);
	pl = pt.place;
	th = pt.theme;
	p = pt.pattern % 4;
	switch (o->kind) {
	case GEN_CLUSTER:
		if (p == 0)
			snprintf(out, n, "%s %s Cluster", pl, th);
		else if (p == 1)
			snprintf(out, n, "%s Cluster %s", th, pl);
		else if (p == 2)
			snprintf(out, n, "%s %s Alliance", pt.adjective, th);
		else
			snprintf(out, n, "%s %s Hub", pl, th);
		return;
	case GEN_NETWORK:
		if (p < 2)
			snprintf(out, n, "%s SME Network %s", th, pl);
		else
			snprintf(out, n, "%s %s Network", pt.coined, th);
		return;
	case GEN_RTO:
		if (p == 0)
			snprintf(out, n, "%s Research Centre %s", th, pl);
		else if (p == 1)
			snprintf(out, n, "%s Technology Centre", pl);
		else if (p == 2)
			snprintf(out, n, "%s Institute of %s", pt.coined, th);
		else
			snprintf(out, n, "%s %s Test Centre", pl, th);
		return;
	case GEN_UNIVERSITY:
		if (p == 0)
			snprintf(out, n, "University of %s", pl);
		else if (p == 1)
			snprintf(
			    out, n, "%s University of Applied Sciences", pl);
		else if (p == 2)
			snprintf(out, n, "%s Institute of Technology, %s Unit",
			    pl, th);
		else
			snprintf(out, n, "University of %s, %s Research Group",
			    pl, th);
		return;
	case GEN_AGENCY:
		/* Few agencies per town exist, so most names say which of
		 * their programmes or teams the entry is. */
		p = pt.pattern % 8;
		if (p == 0)
			snprintf(out, n, "%s Development Agency", pl);
		else if (p == 1)
			snprintf(out, n, "Business %s", pl);
		else if (p == 2)
			snprintf(out, n, "%s Chamber of Commerce", pl);
		else if (p < 5)
			snprintf(out, n, "%s %s Programme", pl, th);
		else if (p < 7)
			snprintf(out, n, "%s Growth Services, %s", pl, th);
		else
			snprintf(
			    out, n, "%s Enterprise Services, %s Team", pl, th);
		return;
	case GEN_INVESTOR:
		if (p == 0)
			snprintf(out, n, "%s Ventures", pt.coined);
		else if (p == 1)
			snprintf(out, n, "%s Capital", pl);
		else if (p == 2)
			snprintf(out, n, "%s Capital Partners", pt.coined);
		else
			snprintf(out, n, "%s %s Fund", pt.adjective, th);
		return;
	default: gen_company_name(o, &pt, r, out, n);
	}
}

/* A unique name: fresh draws first, then the last draw numbered. */
static int
gen_unique_name(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_country *c = o->country;
	char cand[256];
	int i, rc;

	for (i = 0; i < GEN_NAME_TRIES; i++) {
		gen_org_name(g, o, r, o->name, sizeof(o->name));
		if ((rc = gen_names_claim(g, c->iso, o->name)) != SD_EEXIST)
			return rc;
	}
	do {
		snprintf(
		    cand, sizeof(cand), "%.200s %ld", o->name, ++c->numbered);
		rc = gen_names_claim(g, c->iso, cand);
	} while (rc == SD_EEXIST);
	snprintf(o->name, sizeof(o->name), "%s", cand);
	return rc;
}

/* Folds s to ASCII letters and digits, other runs becoming one '-' (marks
 * and letters without an ASCII form dropped), at most max bytes. */
static void
gen_slug(const char *s, char *out, size_t max)
{
	char *folded = NULL;
	size_t i, k = 0;
	int dash = 0;

	if (text_fold(s, &folded) != 0)
		folded = NULL;
	for (i = 0; folded != NULL && folded[i] && k + 2 < max; i++) {
		unsigned char ch = (unsigned char)folded[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
			if (dash && k > 0)
				out[k++] = '-';
			dash = 0;
			out[k++] = (char)ch;
		} else if (ch < 0x80) {
			dash = 1;
		}
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	free(folded);
}

/*
 * The host part of the organisation's web address: its name as a slug
 * without the legal form (or every domain would end in -oy), under the
 * country's TLD or sometimes .com or .eu.
 */
static void
gen_domain(const struct gen_org *o, struct gen_rng *r, char *out, size_t n)
{
	const struct gen_country *c = o->country;
	char slug[48], form[32];
	const char *tld;
	size_t i, k, fl;

	gen_slug(o->name, slug, sizeof(slug));
	k = strlen(slug);
	for (i = 0; i < c->forms.n + c->large_forms.n; i++) {
		gen_slug(i < c->forms.n ? c->forms.v[i]
		                        : c->large_forms.v[i - c->forms.n],
		    form, sizeof(form));
		fl = strlen(form);
		if (fl == 0 || k <= fl + 1)
			continue;
		if (c->style->form_prefix && strncmp(slug, form, fl) == 0 &&
		    slug[fl] == '-') {
			memmove(slug, slug + fl + 1, k - fl);
			k -= fl + 1;
		} else if (!c->style->form_prefix &&
		    strcmp(slug + k - fl, form) == 0 &&
		    slug[k - fl - 1] == '-') {
			k -= fl + 1;
			slug[k] = '\0';
		}
	}
	if (k == 0)
		snprintf(slug, sizeof(slug), "org%u",
		    (unsigned)gen_rng_below(r, 100000));
	i = gen_rng_below(r, 100);
	tld = i < 12 ? "com" : i < 15 ? "eu" : NULL;
	if (tld != NULL)
		snprintf(out, n, "%s.%s", slug, tld);
	else
		snprintf(out, n, "%s.%c%c", slug, c->iso[0] | 0x20,
		    c->iso[1] | 0x20);
}

static uint32_t
gen_employees(int kind, struct gen_rng *r)
{
	static const uint32_t micro[] = { 20, 18, 15, 12, 10, 8, 7, 5, 5 };
	uint32_t p = (uint32_t)gen_rng_below(r, 100), i, x;

	switch (kind) {
	case GEN_SME:
		if (p < 50) {
			x = (uint32_t)gen_rng_below(r, 100);
			for (i = 0; i < 8 && x >= micro[i]; i++)
				x -= micro[i];
			return i + 1;
		}
		if (p < 82)
			return p < 66 ? gen_rng_range(r, 10, 19)
			    : p < 74  ? gen_rng_range(r, 20, 29)
			              : gen_rng_range(r, 30, 49);
		return p < 92 ? gen_rng_range(r, 50, 99)
		    : p < 96  ? gen_rng_range(r, 100, 149)
		              : gen_rng_range(r, 150, 249);
	case GEN_LARGE:
		return p < 35 ? gen_rng_range(r, 250, 499)
		    : p < 60  ? gen_rng_range(r, 500, 999)
		    : p < 90  ? gen_rng_range(r, 1000, 4999)
		              : gen_rng_range(r, 5000, 30000);
	case GEN_CLUSTER: return gen_rng_range(r, 2, 25);
	case GEN_NETWORK: return gen_rng_range(r, 1, 10);
	case GEN_AGENCY: return gen_rng_range(r, 10, 250);
	case GEN_INVESTOR: return gen_rng_range(r, 3, 60);
	case GEN_RTO:
		return p < 60 ? gen_rng_range(r, 40, 300)
		              : gen_rng_range(r, 300, 2500);
	default:
		return p < 50 ? gen_rng_range(r, 300, 1500)
		              : gen_rng_range(r, 1500, 8000);
	}
}

static uint32_t
gen_founded(int kind, struct gen_rng *r)
{
	uint32_t p = (uint32_t)gen_rng_below(r, 100);

	switch (kind) {
	case GEN_SME:
		return p < 35 ? gen_rng_range(r, 2015, GEN_YEAR)
		    : p < 70  ? gen_rng_range(r, 2000, 2014)
		    : p < 90  ? gen_rng_range(r, 1980, 1999)
		              : gen_rng_range(r, 1945, 1979);
	case GEN_LARGE:
		return p < 30 ? gen_rng_range(r, 1850, 1945)
		              : gen_rng_range(r, 1946, 2015);
	case GEN_UNIVERSITY:
		return p < 10 ? gen_rng_range(r, 1640, 1899)
		              : gen_rng_range(r, 1900, 2010);
	case GEN_RTO: return gen_rng_range(r, 1940, 2020);
	case GEN_AGENCY: return gen_rng_range(r, 1970, 2022);
	case GEN_INVESTOR: return gen_rng_range(r, 1985, 2024);
	default: return gen_rng_range(r, 1995, 2024);
	}
}

static int
gen_has(const char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Appends up to want distinct items drawn by pick to v. */
static void
gen_draw(const char **v, size_t *n, size_t max, size_t want,
    const char *(*pick)(struct gen *, struct gen_org *, struct gen_rng *),
    struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	size_t tries;
	const char *s;

	for (tries = 0; *n < max && want > 0 && tries < 4 * max; tries++) {
		s = pick(g, o, r);
		if (s == NULL || gen_has(v, *n, s))
			continue;
		v[(*n)++] = s;
		want--;
	}
}

static const char *
gen_pick_cap(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	/* Mostly the profile's own keywords; sometimes any keyword, since
	 * real firms straddle industries. */
	if (gen_rng_pct(r, 12))
		return g->vocab.v[gen_wtab_pick(&g->vocabw, r)];
	return o->prof->caps.v[gen_wtab_pick(&o->prof->capw, r)];
}

static const char *
gen_pick_offer(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	if (o->ncaps > 0 && gen_rng_pct(r, 65))
		return o->caps[gen_rng_below(r, o->ncaps)];
	return gen_list_pick(&g->offers, r);
}

static const char *
gen_pick_seek(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	const struct gen_profile *p;

	if (o->prof->npartners > 0 && gen_rng_pct(r, 60)) {
		p = &g->prof[o->prof->partners[gen_rng_below(
		    r, o->prof->npartners)]];
		return p->caps.v[gen_wtab_pick(&p->capw, r)];
	}
	return gen_list_pick(&g->seeks, r);
}

static const char *
gen_pick_sector(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	(void)g;
	return o->prof->sectors[gen_rng_below(r, o->prof->nsectors)];
}

static const char *
gen_size_word(const struct gen_org *o)
{
	if (o->employees < 10)
		return "micro";
	if (o->employees < 50)
		return "small";
	if (o->employees < 250)
		return "medium-sized";
	return "large";
}

/* Joins items as "a, b and c" into b. */
static int
gen_join(struct gen_buf *b, const char **v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = gen_buf_printf(b, "%s%s",
		    i == 0           ? ""
		        : i + 1 == n ? " and "
		                     : ", ",
		    v[i]);
	return rc;
}

static int
gen_description(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_buf *d = &g->desc;
	const char *mk1 = gen_list_pick(&o->prof->markets, r);
	const char *mk2 = gen_list_pick(&o->prof->markets, r);
	const char *ind = o->prof->def->industry;
	size_t nc = o->ncaps < 3 ? o->ncaps : 3;
	unsigned t = (unsigned)gen_rng_below(r, 3);
	int rc = 0;

	gen_buf_reset(d);
	if (strcmp(mk1, mk2) == 0)
		mk2 = "international customers";
	switch (o->kind) {
	case GEN_SME:
	case GEN_LARGE:
		if (t == 0)
			rc = gen_buf_printf(d,
			    "%s is a %s %s company in %s, %s, "
			    "founded in %u. We specialise in ",
			    o->name, gen_size_word(o), ind, o->town,
			    o->country->name, o->founded);
		else if (t == 1)
			rc = gen_buf_printf(d,
			    "Founded in %u in %s, %s provides "
			    "%s services. Our core competences are ",
			    o->founded, o->town, o->name, ind);
		else
			rc = gen_buf_printf(d,
			    "%s company from %s with %u "
			    "employees, working in ",
			    o->kind == GEN_LARGE     ? "Industrial"
			        : gen_rng_pct(r, 40) ? "Family-owned"
			                             : "Independent",
			    o->town, o->employees);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " for %s and %s.", mk1, mk2);
		break;
	case GEN_CLUSTER:
		rc = gen_buf_printf(d,
		    "Cluster organisation bringing together "
		    "%u companies, research organisations and public actors "
		    "in %s around %s. Members cooperate in ",
		    gen_rng_range(r, 20, 250), ind, o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d,
			    ", joint export projects and "
			    "international partner search.");
		break;
	case GEN_NETWORK:
		rc = gen_buf_printf(d,
		    "Network of %u SMEs from the %s region "
		    "offering joint deliveries in ",
		    gen_rng_range(r, 3, 40), o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " to %s.", mk1);
		break;
	case GEN_RTO:
		rc = gen_buf_printf(d,
		    "Research and technology organisation in "
		    "%s offering applied research, piloting and testing in ",
		    o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d, " for %s.", mk1);
		break;
	case GEN_UNIVERSITY:
		rc = gen_buf_printf(d,
		    "Higher education institution in %s, "
		    "%s, with research groups in ",
		    o->town, o->country->name);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d,
			    ". Offers R&D cooperation, testing "
			    "facilities and thesis projects for companies.");
		break;
	case GEN_AGENCY:
		rc = gen_buf_printf(d,
		    "Public development agency supporting "
		    "businesses in %s with internationalisation, funding "
		    "advice and partner search; focus areas ",
		    o->region->label);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_str(d, ".");
		break;
	default:
		rc = gen_buf_printf(d, "%s investor based in %s, investing in ",
		    gen_rng_pct(r, 50) ? "Early-stage" : "Growth-stage",
		    o->town);
		if (rc == 0)
			rc = gen_join(d, o->caps, nc);
		if (rc == 0)
			rc = gen_buf_printf(d,
			    " and other %s companies in "
			    "Northern Europe.",
			    ind);
	}
	if (rc != 0)
		return rc;
	switch (gen_rng_below(r, 8)) {
	case 0: return gen_buf_str(d, " ISO 9001 and ISO 14001 certified.");
	case 1:
		return gen_buf_printf(d,
		    " About %u%% of turnover comes from "
		    "exports.",
		    gen_rng_range(r, 5, 90));
	case 2:
		return gen_buf_printf(d,
		    " Currently looking for %s for joint "
		    "projects in the Baltic Sea region.",
		    o->nseeks ? o->seeks[0] : "partners");
	case 3:
		return gen_buf_str(d,
		    " Experienced in EU-funded projects "
		    "(Interreg, Horizon Europe).");
	case 4:
		return gen_buf_printf(
		    d, " We invest in %s and digitalisation.", o->caps[0]);
	default: return 0;
	}
}

/* Fills o with the seq-th organisation of the run. */
static int
gen_org_make(struct gen *g, struct gen_org *o, struct gen_rng *r)
{
	struct gen_country *c;
	char domain[128];
	size_t want, i;
	int rc;

	memset(o, 0, sizeof(*o));
	c = o->country = &g->countries[gen_wtab_pick(&g->countryw, r)];
	o->region = &c->regions[gen_wtab_pick(&c->regw, r)];
	/* The first town of a region is its centre and draws most firms. */
	o->town = gen_rng_pct(r, 50) ? o->region->towns.v[0]
	                             : gen_list_pick(&o->region->towns, r);
	o->kind = (int)gen_wtab_pick(&g->kindw, r);
	o->prof = &g->prof[gen_wtab_pick(&g->profw, r)];
	o->employees = gen_employees(o->kind, r);
	o->founded = gen_founded(o->kind, r);

	/* Capabilities: SMEs list two to seven, others three to nine. */
	want = o->kind == GEN_SME ? gen_rng_range(r, 2, 7)
	                          : gen_rng_range(r, 3, 9);
	gen_draw(o->caps, &o->ncaps, GEN_CAPS_MAX, want, gen_pick_cap, g, o, r);
	gen_draw(o->offers, &o->noffers, 6, gen_rng_range(r, 1, 3),
	    gen_pick_offer, g, o, r);
	gen_draw(o->seeks, &o->nseeks, 6, gen_rng_range(r, 1, 3), gen_pick_seek,
	    g, o, r);
	gen_draw(o->sectors, &o->nsectors, 6,
	    o->kind == GEN_LARGE ? gen_rng_range(r, 2, 4)
	                         : gen_rng_range(r, 1, 2),
	    gen_pick_sector, g, o, r);
	o->langs[o->nlangs++] = c->langs.v[0];
	if (strcmp(c->langs.v[0], "en") != 0 && gen_rng_pct(r, 85))
		o->langs[o->nlangs++] = "en";
	for (i = 2; i < c->langs.n && o->nlangs < 4; i++)
		if (gen_rng_pct(r, i == 2 ? 30 : 15) &&
		    !gen_has(o->langs, o->nlangs, c->langs.v[i]))
			o->langs[o->nlangs++] = c->langs.v[i];

	if ((rc = gen_unique_name(g, o, r)) != 0)
		return rc;
	gen_domain(o, r, domain, sizeof(domain));
	i = gen_rng_below(r, 100);
	if (i < 4)
		o->website[0] = '\0';
	else
		snprintf(o->website, sizeof(o->website), "%s://%s%s",
		    i < 90 ? "https" : "http", i < 80 || i >= 90 ? "www." : "",
		    domain);
	if (gen_rng_pct(r, 7))
		o->email[0] = '\0';
	else
		snprintf(o->email, sizeof(o->email), "%s@%s",
		    gen_list_pick(&c->mail, r), domain);
	return gen_description(g, o, r);
}

/* ---- output ---- */

static int
gen_csv_cell(struct gen_buf *b, const char *s)
{
	int rc;

	if (s[strcspn(s, ",\"\r\n")] == '\0' && s[0] != ' ')
		return gen_buf_str(b, s);
	if ((rc = gen_buf_str(b, "\"")) != 0)
		return rc;
	for (; *s && rc == 0; s++)
		rc = *s == '"' ? gen_buf_str(b, "\"\"") : gen_buf_add(b, s, 1);
	return rc ? rc : gen_buf_str(b, "\"");
}

static int
gen_csv_list(struct gen_buf *b, const char *const *v, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = gen_buf_str(b, ";");
		if (rc == 0)
			rc = gen_buf_str(b, v[i]);
	}
	return rc;
}

static int
gen_json_str(struct gen_buf *b, const char *s)
{
	int rc = gen_buf_str(b, "\"");

	for (; *s && rc == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			rc = gen_buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			rc = gen_buf_printf(b, "\\u%04x", ch);
		else
			rc = gen_buf_add(b, s, 1);
	}
	return rc ? rc : gen_buf_str(b, "\"");
}

static int
gen_json_list(
    struct gen_buf *b, const char *key, const char *const *v, size_t n)
{
	size_t i;
	int rc = gen_buf_printf(b, ",\"%s\":[", key);

	for (i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = gen_buf_str(b, ",");
		if (rc == 0)
			rc = gen_json_str(b, v[i]);
	}
	return rc ? rc : gen_buf_str(b, "]");
}

static const char gen_csv_header[] =
    "name,kind,country,region,city,website,email,description,sectors,"
    "capabilities,offers,seeks,employees,founded,languages,nace_rev\n";

static int
gen_write_csv(struct gen *g, const struct gen_org *o, const char *nace_rev)
{
	struct gen_buf *b = &g->line;
	int rc;

	gen_buf_reset(b);
	if ((rc = gen_csv_cell(b, o->name)) != 0 ||
	    (rc = gen_buf_printf(b, ",%s,%s,%s,", gen_kinds[o->kind].name,
	         o->country->iso, o->region->code)) != 0 ||
	    (rc = gen_csv_cell(b, o->town)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, o->website)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, o->email)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_cell(b, g->desc.p)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->sectors, o->nsectors)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->caps, o->ncaps)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->offers, o->noffers)) != 0 ||
	    (rc = gen_buf_str(b, ",")) != 0 ||
	    (rc = gen_csv_list(b, o->seeks, o->nseeks)) != 0 ||
	    (rc = gen_buf_printf(b, ",%u,%u,", o->employees, o->founded)) !=
	        0 ||
	    (rc = gen_csv_list(b, o->langs, o->nlangs)) != 0 ||
	    (rc = gen_buf_printf(b, ",%s\n", nace_rev)) != 0)
		return rc;
	return fwrite(b->p, 1, b->len, stdout) == b->len ? 0 : -EIO;
}

static int
gen_write_jsonl(struct gen *g, const struct gen_org *o, const char *nace_rev)
{
	struct gen_buf *b = &g->line;
	int rc;

	gen_buf_reset(b);
	if ((rc = gen_buf_str(b, "{\"name\":")) != 0 ||
	    (rc = gen_json_str(b, o->name)) != 0 ||
	    (rc = gen_buf_printf(b,
	         ",\"kind\":\"%s\",\"country\":\"%s\","
	         "\"region\":\"%s\",\"city\":",
	         gen_kinds[o->kind].name, o->country->iso, o->region->code)) !=
	        0 ||
	    (rc = gen_json_str(b, o->town)) != 0)
		return rc;
	if (o->website[0] &&
	    ((rc = gen_buf_str(b, ",\"website\":")) != 0 ||
	        (rc = gen_json_str(b, o->website)) != 0))
		return rc;
	if (o->email[0] &&
	    ((rc = gen_buf_str(b, ",\"email\":")) != 0 ||
	        (rc = gen_json_str(b, o->email)) != 0))
		return rc;
	if ((rc = gen_buf_str(b, ",\"description\":")) != 0 ||
	    (rc = gen_json_str(b, g->desc.p)) != 0 ||
	    (rc = gen_json_list(b, "sectors", o->sectors, o->nsectors)) != 0 ||
	    (rc = gen_json_list(b, "capabilities", o->caps, o->ncaps)) != 0 ||
	    (rc = gen_json_list(b, "offers", o->offers, o->noffers)) != 0 ||
	    (rc = gen_json_list(b, "seeks", o->seeks, o->nseeks)) != 0 ||
	    (rc = gen_buf_printf(b, ",\"employees\":%u,\"founded\":%u",
	         o->employees, o->founded)) != 0 ||
	    (rc = gen_json_list(b, "languages", o->langs, o->nlangs)) != 0 ||
	    (rc = gen_buf_printf(b, ",\"nace_rev\":\"%s\"}\n", nace_rev)) != 0)
		return rc;
	return fwrite(b->p, 1, b->len, stdout) == b->len ? 0 : -EIO;
}

/* ---- main ---- */

static void
gen_usage(FILE *f)
{
	fprintf(f,
	    "usage: sdgen [--count N] [--seed S] [--countries FI,LT,NO,...]\n"
	    "             [--format csv|jsonl] [--nuts-prefix FI1D[,...]]\n"
	    "             [--nace-rev 2|2.1] [--data DIR]\n"
	    "\n"
	    "Writes N (default 1000) realistic synthetic organisations to\n"
	    "standard output, as CSV with a header row or as JSON Lines, in\n"
	    "the fields `stardust import` reads. The same arguments always "
	    "give\n"
	    "the same bytes, and --count N gives the first N members of any\n"
	    "larger run with the same other arguments.\n"
	    "\n"
	    "  --countries L    ISO 3166-1 codes (default "
	    "FI,SE,NO,DK,EE,LV,LT,\n"
	    "                   PL,DE); members are spread by economic size\n"
	    "  --nuts-prefix L  only regions starting with one of these NUTS\n"
	    "                   prefixes (a country none of them names is "
	    "used\n"
	    "                   whole, as in a node certificate); without\n"
	    "                   --countries, the prefixes' countries\n"
	    "  --nace-rev R     draw sectors from NACE Rev. 2 or 2.1 "
	    "(default)\n"
	    "  --data DIR       where nuts-2024.csv and nace-rev2*.csv are\n"
	    "                   (default %s)\n",
	    SD_DATA_DIR);
}

static int
gen_parse_ulong(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return SD_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return SD_EINVAL;
	*out = v;
	return 0;
}

/* The ISO countries named by NUTS prefixes ("EL..." is Greece). */
static int
gen_prefix_countries(const struct gen_list *prefixes, struct gen_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < prefixes->n && rc == 0; i++) {
		char iso[3];
		if (strlen(prefixes->v[i]) < 2)
			return SD_EINVAL;
		memcpy(iso,
		    strncmp(prefixes->v[i], "EL", 2) == 0 ? "GR"
		        : strncmp(prefixes->v[i], "UK", 2) == 0
		        ? "GB"
		        : prefixes->v[i],
		    2);
		iso[2] = '\0';
		if (out->len > 0 && strstr(out->p, iso) != NULL)
			continue;
		rc = gen_buf_printf(out, "%s%s", out->len ? "|" : "", iso);
	}
	return rc;
}

static void
gen_commas_to_bars(char *s)
{
	for (; *s; s++)
		if (*s == ',')
			*s = '|';
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "countries", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "nuts-prefix", required_argument, NULL, 'p' },
		{ "nace-rev", required_argument, NULL, 'r' },
		{ "data", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char outbuf[1 << 20];
	struct gen g;
	struct gen_list isos = { 0 }, prefixes = { 0 };
	struct gen_buf cl = { 0 };
	struct codes *codes = NULL;
	struct gen_org o;
	struct gen_rng r;
	uint32_t kw[GEN_NKINDS];
	unsigned long long count = 1000, seed = 1, v;
	char *countries = NULL, *prefix_arg = NULL;
	const char *data = SD_DATA_DIR, *nace_rev = "2.1";
	int opt, jsonl = 0, rc = 1, i;
	size_t k;

	memset(&g, 0, sizeof(g));
	while ((opt = getopt_long(argc, argv, "n:s:c:f:p:r:d:h", opts, NULL)) !=
	    -1) {
		switch (opt) {
		case 'n':
			if (gen_parse_ulong(optarg, GEN_COUNT_MAX, &count) !=
			    0) {
				fprintf(stderr,
				    "sdgen: --count must be 0 to %ld\n",
				    GEN_COUNT_MAX);
				return 2;
			}
			break;
		case 's':
			if (gen_parse_ulong(optarg, UINT64_MAX, &seed) != 0) {
				fprintf(stderr,
				    "sdgen: --seed must be a whole "
				    "number\n");
				return 2;
			}
			break;
		case 'c': countries = optarg; break;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				jsonl = 0;
			else if (strcmp(optarg, "jsonl") == 0)
				jsonl = 1;
			else {
				fprintf(stderr,
				    "sdgen: --format is csv or jsonl\n");
				return 2;
			}
			break;
		case 'p': prefix_arg = optarg; break;
		case 'r':
			if (strcmp(optarg, "2") != 0 &&
			    strcmp(optarg, "2.1") != 0) {
				fprintf(
				    stderr, "sdgen: --nace-rev is 2 or 2.1\n");
				return 2;
			}
			nace_rev = optarg;
			break;
		case 'd': data = optarg; break;
		case 'h': gen_usage(stdout); return 0;
		default: gen_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		gen_usage(stderr);
		return 2;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (codes_new(&codes) != 0) {
		fprintf(stderr, "sdgen: cannot load the code lists\n");
		return 1;
	}
	g.codes = codes;
	g.nace_rev =
	    strcmp(nace_rev, "2") == 0 ? CODES_NACE_REV2 : CODES_NACE_REV2_1;
	if (prefix_arg != NULL) {
		if ((prefix_arg = strdup(prefix_arg)) == NULL)
			goto out;
		gen_commas_to_bars(prefix_arg);
		rc = gen_list_init(&prefixes, prefix_arg);
		free(prefix_arg);
		if (rc != 0 || prefixes.n == 0 ||
		    (rc = gen_prefix_countries(&prefixes, &cl)) != 0) {
			fprintf(stderr, "sdgen: bad --nuts-prefix\n");
			rc = 1;
			goto out;
		}
		for (k = 0; k < prefixes.n; k++)
			if (codes_nuts(codes, prefixes.v[k], NULL, NULL) != 0 &&
			    strlen(prefixes.v[k]) != 2) {
				fprintf(stderr,
				    "sdgen: unknown NUTS region '%s'\n",
				    prefixes.v[k]);
				rc = 1;
				goto out;
			}
	}
	if (countries != NULL) {
		gen_buf_reset(&cl);
		if (gen_buf_str(&cl, countries) != 0)
			goto out;
		gen_commas_to_bars(cl.p);
	} else if (cl.len == 0 &&
	    gen_buf_str(&cl, "FI|SE|NO|DK|EE|LV|LT|PL|DE") != 0) {
		goto out;
	}
	rc = 1;
	for (i = 0; i < GEN_NKINDS; i++)
		kw[i] = gen_kinds[i].weight;
	if (gen_list_init(&isos, cl.p) != 0 || isos.n == 0 ||
	    gen_init_profiles(&g) != 0 ||
	    gen_wtab_init(&g.kindw, kw, GEN_NKINDS) != 0 ||
	    gen_list_init(&g.offers, gen_offers_generic) != 0 ||
	    gen_list_init(&g.seeks, gen_seeks_generic) != 0 ||
	    gen_list_init(&g.coin_pre, gen_coin_pre) != 0 ||
	    gen_list_init(&g.coin_suf, gen_coin_suf) != 0 ||
	    gen_list_init(&g.adjectives, gen_adjectives) != 0 ||
	    gen_init_countries(&g, &isos) != 0 ||
	    gen_load_nace(&g, data) != 0 ||
	    gen_load_nuts(&g, data, &prefixes) != 0 ||
	    gen_names_init(&g.names, (size_t)count) != 0)
		goto out;

	/* Runs for different scopes with one seed must not mirror each
	 * other member by member, so the scope is part of the seed. */
	if (gen_buf_printf(&cl, "/%s", nace_rev) != 0)
		goto out;
	for (k = 0; k < prefixes.n; k++)
		if (gen_buf_printf(&cl, "/%s", prefixes.v[k]) != 0)
			goto out;
	seed ^= gen_hash(cl.p);
	if (fputs(jsonl ? "" : gen_csv_header, stdout) == EOF)
		goto out;
	for (v = 0; v < count; v++) {
		gen_rng_seed(&r, seed, v + 1);
		if (gen_org_make(&g, &o, &r) != 0 ||
		    (jsonl ? gen_write_jsonl(&g, &o, nace_rev)
		           : gen_write_csv(&g, &o, nace_rev)) != 0) {
			fprintf(
			    stderr, "sdgen: failed at member %llu\n", v + 1);
			goto out;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "sdgen: write error: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	gen_list_free(&isos);
	gen_list_free(&prefixes);
	free(cl.p);
	gen_free(&g);
	codes_free(codes);
	return rc;
}

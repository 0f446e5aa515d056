/*
 * gen_vocab: the vocabulary sdgen draws from (see gen_int.h), as constant
 * tables: industry profiles with their sectors, nouns and ranked
 * capabilities; how each country's names, addresses and languages look;
 * the towns of the regions used most in Stardust's pilots; the kinds of
 * organisation; and the syllables and adjectives of coined names. Also
 * the look-ups over the tables. Owns no memory: everything here is static
 * and lives as long as the program.
 *
 * Every list is "a|b|c" (gen_list_init splits it) and its order matters:
 * items are drawn by index, so reordering, adding or removing one changes
 * the output of every run.
 */
#include <stdint.h>
#include <string.h>

#include "gen_int.h"

/* ---- industry profiles ---- */

/* The profiles (struct gen_profile_def), weighted by their share of
 * members. */
const struct gen_profile_def gen_profile_defs[] = {
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

_Static_assert(
    sizeof(gen_profile_defs) / sizeof(gen_profile_defs[0]) == GEN_NPROFILES,
    "GEN_NPROFILES is the number of profiles");

/* Offers and seeks that are not capabilities of one industry. */
const char gen_offers_generic[] =
    "contract manufacturing|subcontracting|r&d cooperation|"
    "pilot facilities|testing services|consulting|training|"
    "technology licensing|joint product development|engineering capacity|"
    "test beds|co-development|distribution|installation services|"
    "after-sales service|prototyping|expert services";
const char gen_seeks_generic[] =
    "export partners|distributors|investors|r&d partners|pilot customers|"
    "subcontractors|skilled workforce|growth funding|test environments|"
    "raw material suppliers|international customers|public procurement "
    "partners|university collaboration|joint ventures|"
    "partners for eu projects|sales agents";

/* ---- countries ---- */

/* The name styles (struct gen_style_def) of the countries of the pilots. */
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

/* ---- kinds and coined names ---- */

/* Kinds, with their share of members (per mille), in enum order. */
const struct gen_kind_def gen_kinds[] = {
	{ "sme", 815 },
	{ "large", 50 },
	{ "cluster", 25 },
	{ "rto", 25 },
	{ "university", 10 },
	{ "agency", 15 },
	{ "network", 30 },
	{ "investor", 30 },
};

_Static_assert(sizeof(gen_kinds) / sizeof(gen_kinds[0]) == GEN_NKINDS,
    "a name and weight for every kind");

/* Syllables of invented brand names ("Norvex", "Tekion"). */
const char gen_coin_pre[] =
    "Nor|Ark|Vel|Tek|Lum|Sol|Kar|Mer|Ter|Aur|Ven|Cor|Fen|Hal|Iso|Kor|Lin|"
    "Mar|Nex|Opt|Pol|Qua|Rev|Sen|Tor|Uni|Val|Wol|Xen|Zen|Bio|Eco|Geo|Hyd|"
    "Met|Nan|Neo|Omn|Pro|Syn|Alt|Bal|Cer|Dyn|Ele|Fer|Gal|Hel|Ign|Kin|Lex|"
    "Mag|Nav|Ori|Pyr|Sil|Tri|Vir|Vox|Ard";
const char gen_coin_suf[] =
    "vex|tec|lux|ion|ora|um|ix|ia|eon|ova|ar|is|on|ex|os|ent|ium|ica|ax|"
    "en|ro|tor|ma|tra|lo|nia|sys|lab|ware|tron|gen|mo|ra|dia|tek";
const char gen_adjectives[] =
    "Nordic|Arctic|Baltic|North|Polar|Green|Smart|Blue|Prime|Nova|Boreal|"
    "Aurora|Euro|Future|Bright|True|First|Clear|Modern|United|Advanced|"
    "Global|Coastal|Northern|Eastern|Western|Central|Alpine|Delta|Apex";

/* ---- look-ups ---- */

size_t
gen_profile_index(const char *key)
{
	size_t i;

	for (i = 0; i < GEN_NPROFILES; i++)
		if (strcmp(gen_profile_defs[i].key, key) == 0)
			return i;
	return GEN_NPROFILES;
}

const struct gen_style_def *
gen_style_find(const char *iso)
{
	size_t i;

	for (i = 0; i < GEN_NSTYLES; i++)
		if (strcmp(gen_style_defs[i].iso, iso) == 0)
			return &gen_style_defs[i];
	return &gen_style_generic;
}

const struct gen_town_def *
gen_town_find(const char *nuts)
{
	size_t i;

	for (i = 0; i < GEN_NTOWNS; i++)
		if (strcmp(gen_town_defs[i].nuts, nuts) == 0)
			return &gen_town_defs[i];
	return NULL;
}

/* 1 if this country has a town table (so unlisted regions are skipped). */
int
gen_country_has_towns(const char *nuts_country)
{
	size_t i;

	for (i = 0; i < GEN_NTOWNS; i++)
		if (strncmp(gen_town_defs[i].nuts, nuts_country, 2) == 0)
			return 1;
	return 0;
}

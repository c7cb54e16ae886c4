package dev.rlhf4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic mixed text for benchmarks and BPE training, no files needed: English prose (capitals,
 * contractions, numbers, punctuation), source code (indentation, operators, identifiers), accented Latin,
 * CJK and emoji (supplementary planes), in documents of a few kilobytes. The same seed gives the same text on
 * every JVM ({@link Random}'s algorithm is specified).
 */
public final class SyntheticCorpus {

    private static final String[] WORDS = ("the of and to in is was that for it with as on be by this are from at "
            + "or an have which not but had has they you were their one all we can her would there been if more when "
            + "will who so no out up into than them time only some could new these two may first then do any like my "
            + "now over such our man me even most made after also did many before must through back years where much "
            + "your way well down should because each just those people how too little state good very make world "
            + "still own see men work long get here between both life being under never day same another know while "
            + "last might us great old year off come since against go came right used take three model token reward "
            + "policy gradient value learning training language human feedback preference sample batch loss update "
            + "network attention layer embedding transformer probability distribution expected optimization").split(" ");
    private static final String[] CONTRACTIONS = {"don't", "it's", "we're", "they've", "I'm", "you'll", "she'd",
        "can't", "won't", "isn't"};
    private static final String[] CODE = {
        "public static int[] encode(String text) {",
        "    for (int i = 0; i < n; i++) {",
        "        total += weights[i] * inputs[i];",
        "    }",
        "    return Arrays.copyOf(out, size);",
        "}",
        "def forward(self, x):",
        "    x = self.ln_1(x) + self.attn(x)  # (B, T, C)",
        "    return F.softmax(logits / temperature, dim=-1)",
        "if (value == null || value.isEmpty()) throw new IllegalArgumentException(\"empty\");",
        "const result = items.filter(x => x.score >= 0.5).map(x => x.id);",
        "\tq, k, v = qkv.split(self.n_embd, dim=2)",
        "SELECT id, name FROM users WHERE created_at > '2024-01-01';",
        "<div class=\"container\"><span>{{ item.title }}</span></div>",
        "    assert loss.item() < 1e-6, f\"loss {loss.item():.4f} too high\"",
    };
    private static final String[] ACCENTED = {"café", "naïve", "Äpfel", "Straße", "façade", "résumé", "jalapeño",
        "Zürich", "señor", "über", "Ελληνικά", "русский", "язык", "עברית", "العربية", "हिन्दी"};
    private static final String CJK = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切看男您术";
    private static final String[] EMOJI = {"\uD83D\uDE00", "\uD83D\uDE80", "\uD83E\uDD16", "\u2764\uFE0F", "\uD83D\uDC4D\uD83C\uDFFD",
        "\uD83C\uDF89", "\uD83D\uDD25", "\uD83D\uDC68\u200D\uD83D\uDCBB", "\u2705", "\uD83C\uDDEF\uD83C\uDDF5"};

    private SyntheticCorpus() {
    }

    /** Documents totalling at least {@code utf8Bytes} bytes of UTF-8, each about 1 to 8 KB. */
    public static List<String> documents(long seed, int utf8Bytes) {
        Random random = new Random(seed);
        List<String> documents = new ArrayList<>();
        int total = 0;
        while (total < utf8Bytes) {
            String document = document(random, 1_000 + random.nextInt(7_000));
            documents.add(document);
            total += document.getBytes(StandardCharsets.UTF_8).length;
        }
        return documents;
    }

    private static String document(Random random, int chars) {
        StringBuilder sb = new StringBuilder(chars + 200);
        while (sb.length() < chars) {
            int kind = random.nextInt(100);
            if (kind < 60) {
                prose(random, sb);
            } else if (kind < 80) {
                code(random, sb);
            } else if (kind < 90) {
                foreign(random, sb);
            } else {
                cjk(random, sb);
            }
        }
        return sb.toString();
    }

    private static void prose(Random random, StringBuilder sb) {
        int sentences = 1 + random.nextInt(5);
        for (int s = 0; s < sentences; s++) {
            int words = 4 + random.nextInt(16);
            for (int w = 0; w < words; w++) {
                String word = random.nextInt(30) == 0 ? CONTRACTIONS[random.nextInt(CONTRACTIONS.length)]
                        : random.nextInt(25) == 0 ? Integer.toString(random.nextInt(random.nextBoolean() ? 100 : 100_000))
                        : WORDS[random.nextInt(WORDS.length)];
                if (w == 0) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                } else {
                    sb.append(random.nextInt(12) == 0 ? ", " : " ");
                }
                sb.append(word);
            }
            sb.append(".!?;:".charAt(random.nextInt(random.nextInt(4) == 0 ? 5 : 1))).append(' ');
        }
        sb.append(random.nextInt(3) == 0 ? "\n\n" : "\n");
    }

    private static void code(Random random, StringBuilder sb) {
        int lines = 2 + random.nextInt(8);
        for (int l = 0; l < lines; l++) {
            sb.append(CODE[random.nextInt(CODE.length)].replace("weights", random.nextBoolean() ? "weights" : "w"
                    + random.nextInt(100))).append('\n');
        }
        sb.append('\n');
    }

    private static void foreign(Random random, StringBuilder sb) {
        int words = 3 + random.nextInt(10);
        for (int w = 0; w < words; w++) {
            sb.append(random.nextBoolean() ? ACCENTED[random.nextInt(ACCENTED.length)] : WORDS[random.nextInt(WORDS.length)]);
            sb.append(random.nextInt(6) == 0 ? " " + EMOJI[random.nextInt(EMOJI.length)] + " " : " ");
        }
        sb.append('\n');
    }

    private static void cjk(Random random, StringBuilder sb) {
        int chars = 10 + random.nextInt(60);
        for (int c = 0; c < chars; c++) {
            sb.append(CJK.charAt(random.nextInt(CJK.length())));
            if (random.nextInt(15) == 0) {
                sb.append(random.nextBoolean() ? "，" : "。");
            }
        }
        sb.append(random.nextInt(4) == 0 ? EMOJI[random.nextInt(EMOJI.length)] : "").append('\n');
    }
}

package dev.rlhf4j.rlhf.cli;

import dev.rlhf4j.rlhf.train.RecordTree;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A trainer's hyper-parameter record as command-line options: one option per hyper-parameter (a leaf of the config's
 * {@link RecordTree}: the concern records are walked through, as TRL's flat configs have no groups), named as TRL names
 * the field, in kebab-case ({@code learningRate} is TRL's {@code learning_rate}, the option {@code --learning-rate}), its
 * default read from the record's {@code trlDefaults()} preset, so no default is written twice. After parsing,
 * {@link #resolve} builds the record from the options' values; a value the record's own checks refuse is a usage error
 * (exit code 2) with the record's message, which names the hyper-parameter.
 *
 * <p>Options a command declares itself (the {@link TrainingOptions} mixin's {@code --seed}, {@code --max-steps},
 * {@code --num-train-epochs}) are not added again; their defaults come from the same preset through the
 * command's default-value provider. A component the command derives from other options ({@code --reference
 * precomputed} sets DPO's {@code precompute_ref_log_probs}) gets no option. Booleans take a value
 * ({@code --completion-only-loss false}); enums are written in lower case ({@code --lr-scheduler-type constant}).
 *
 * @param <R> the config record, e.g. {@code SftConfig}
 */
final class HyperParameters<R extends Record> {
    /** What each hyper-parameter means, by TRL's name: the one place the options' help text lives. */
    private static final Map<String, String> MEANING = Map.ofEntries(
            Map.entry("learning_rate", "peak AdamW learning rate"),
            Map.entry("per_device_train_batch_size", "examples (pairs, prompts) per forward/backward micro-batch"),
            Map.entry("per_device_eval_batch_size", "pairs per held-out evaluation batch"),
            Map.entry("gradient_accumulation_steps", "micro-batches per optimizer step"),
            Map.entry("num_train_epochs", "passes over the data (when --max-steps is -1)"),
            Map.entry("max_steps", "optimizer steps (PPO: iterations); -1 to count them from the epochs"),
            Map.entry("max_length", "most prompt + completion tokens (also capped at the model's n_positions)"),
            Map.entry("max_prompt_length", "most prompt tokens; longer prompts lose tokens on the left"),
            Map.entry("completion_only_loss", "score only completion tokens (false: every token after the first)"),
            Map.entry("weight_decay", "AdamW weight decay"),
            Map.entry("adam_beta1", "AdamW beta1"),
            Map.entry("adam_beta2", "AdamW beta2"),
            Map.entry("adam_epsilon", "AdamW epsilon"),
            Map.entry("max_grad_norm", "global gradient-norm clip (0 or unset: none)"),
            Map.entry("lr_scheduler_type", "learning-rate schedule after the warm-up"),
            Map.entry("warmup_ratio", "fraction of the steps spent warming up"),
            Map.entry("warmup_steps", "steps of linear warm-up from 0 (win over warmup_ratio when positive)"),
            Map.entry("seed", "seed of data order, dropout, sampling and initialisation"),
            Map.entry("logging_steps", "report every n-th optimizer step (and the last)"),
            Map.entry("max_consecutive_nonfinite", "optimizer steps in a row with a NaN/infinite loss or gradient (each skipped) that stop the run"),
            Map.entry("center_rewards_coefficient", "weight of the mean squared reward, keeping rewards centred (TRL suggests 0.01)"),
            Map.entry("disable_dropout", "train with dropout off"),
            Map.entry("num_mini_batches", "minibatches per PPO epoch, one optimizer step each"),
            Map.entry("num_ppo_epochs", "passes over each rollout batch"),
            Map.entry("total_episodes", "prompts to sample in all (unset: num_train_epochs passes)"),
            Map.entry("response_length", "most new tokens per completion"),
            Map.entry("local_rollout_forward_batch_size", "rollout rows generated, scored and referenced together (a shard: the unit --master distributes)"),
            Map.entry("temperature", "sampling temperature, applied to every log-prob too"),
            Map.entry("stop_token_id", "completions end after this token (unset: run to response_length)"),
            Map.entry("missing_eos_penalty", "subtracted from the score of a completion without EOS (unset: none)"),
            Map.entry("kl_coef", "beta of the per-token KL penalty (the start value when adaptive)"),
            Map.entry("kl_estimator", "per-token KL estimator"),
            Map.entry("adaptive_kl_target", "target KL of the adaptive KL controller (unset: fixed kl_coef)"),
            Map.entry("adaptive_kl_horizon", "horizon of the adaptive KL controller, in episodes"),
            Map.entry("target_kl", "stop the PPO epochs once approx KL exceeds 1.5 x this (unset: never)"),
            Map.entry("cliprange", "clip range of the policy ratio"),
            Map.entry("cliprange_value", "clip range of the value"),
            Map.entry("vf_coef", "weight of the value loss"),
            Map.entry("gamma", "GAE discount"),
            Map.entry("lam", "GAE lambda"),
            Map.entry("whiten_rewards", "scale the rewards before GAE"),
            Map.entry("beta", "DPO: inverse temperature of the implicit reward; GRPO/RLOO: weight of the KL to the reference (0: none loaded)"),
            Map.entry("loss_type", "the loss (DPO family) or its aggregation over tokens (GRPO)"),
            Map.entry("num_generations", "completions sampled per prompt (a group)"),
            Map.entry("max_completion_length", "most new tokens per completion"),
            Map.entry("epsilon", "lower clip range of the policy ratio"),
            Map.entry("epsilon_high", "upper clip range of the policy ratio (unset: epsilon)"),
            Map.entry("num_iterations", "optimizer steps on each generation batch"),
            Map.entry("scale_rewards", "divide the group-centred rewards by the group's or the batch's std, or not"),
            Map.entry("mask_truncated_completions", "completions that did not end with EOS count for nothing in the loss"),
            Map.entry("sync_ref_model", "mix the reference towards the policy every ref_model_sync_steps steps (TR-DPO)"),
            Map.entry("ref_model_mixup_alpha", "weight of the policy when the reference is synchronised"),
            Map.entry("ref_model_sync_steps", "optimizer steps between reference synchronisations"),
            Map.entry("normalize_advantages", "standardise the advantages over the batch"),
            Map.entry("label_smoothing", "label flip rate (sigmoid, robust, simpo)"),
            Map.entry("simpo_gamma", "SimPO's target reward margin"),
            Map.entry("reference_free", "no reference model: log ref = 0"),
            Map.entry("precompute_ref_log_probs", "reference log-probs computed once and cached"));

    /** Fields TRL's current trainers do not have under that name: where TRL has them. */
    private static final Map<String, String> TRL_ALIAS = Map.of(
            "adaptive_kl_target", "legacy TRL's target",
            "adaptive_kl_horizon", "legacy TRL's horizon",
            "simpo_gamma", "TRL's CPOConfig simpo_gamma",
            "max_consecutive_nonfinite", "not in TRL");

    private final Class<R> type;
    private final R defaults;
    private final Set<String> derived;

    /**
     * @param defaults the preset the defaults come from ({@code SftConfig.trlDefaults()})
     * @param derived  components (Java names) the command sets from other options: no option for them
     */
    @SuppressWarnings("unchecked")
    HyperParameters(R defaults, Set<String> derived) {
        this.type = (Class<R>) defaults.getClass();
        this.defaults = defaults;
        this.derived = Set.copyOf(derived);
    }

    /**
     * The command's spec with an option for every component it does not declare, the preset as default provider, and
     * {@code --help}.
     */
    CommandSpec addTo(CommandSpec spec) {
        for (RecordComponent c : RecordTree.leaves(type)) {
            String name = option(c.getName());
            if (derived.contains(c.getName()) || spec.findOption(name) != null) {
                continue;
            }
            Class<?> t = c.getType();
            OptionSpec.Builder o = OptionSpec.builder(name).type(t).paramLabel(label(t))
                    .description(describe(c)).arity("1");
            if (t.isEnum()) {
                o.converters(value -> enumValue(t, value));
            }
            spec.addOption(o.build());
        }
        spec.defaultValueProvider(this::defaultValue);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        return spec;
    }

    /** The record from the parsed options, with {@code derivedValues} for the derived components. */
    R resolve(CommandSpec spec, Map<String, Object> derivedValues) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (RecordComponent c : RecordTree.leaves(type)) {
            String field = c.getName();
            if (derived.contains(field)) {
                if (!derivedValues.containsKey(field)) {
                    throw new IllegalStateException(type.getSimpleName() + "." + field + " is derived but was not given");
                }
                values.put(field, derivedValues.get(field));
                continue;
            }
            OptionSpec o = spec.findOption(option(field));
            values.put(field, convert(o.getValue(), c.getType(), o.longestName()));
        }
        try {
            return RecordTree.build(type, values);
        } catch (IllegalArgumentException bad) {
            // the record's own check, naming the hyper-parameter: a usage error like a value that does not parse
            throw new CommandLine.ParameterException(spec.commandLine(), bad.getMessage(), bad);
        }
    }

    /** The option of every component of {@code type}, in record order. */
    static List<String> optionNames(Class<? extends Record> type) {
        return RecordTree.leaves(type).stream().map(c -> option(c.getName())).toList();
    }

    /** {@code learningRate} -> {@code --learning-rate}; {@code adamBeta1} -> {@code --adam-beta1}. */
    static String option(String javaName) {
        return "--" + snake(javaName).replace('_', '-');
    }

    /** {@code learningRate} -> TRL's {@code learning_rate}. */
    static String snake(String javaName) {
        return javaName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    /** The preset's value of the component an option stands for, as text; null where the preset leaves it unset. */
    private String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec o)) {
            return null;
        }
        for (RecordComponent c : RecordTree.leaves(type)) {
            if (option(c.getName()).equals(o.longestName())) {
                return defaultValue(c);
            }
        }
        return null;
    }

    private String defaultValue(RecordComponent c) {
        return text(RecordTree.values(defaults).get(c.getName()));
    }

    private String describe(RecordComponent c) {
        String trl = snake(c.getName());
        String meaning = MEANING.getOrDefault(trl, trl);
        String choices = c.getType().isEnum() ? "; one of " + String.join(", ", Arrays.stream(c.getType().getEnumConstants())
                .map(HyperParameters::text).toList()) : "";
        String name = TRL_ALIAS.getOrDefault(trl, "TRL's " + trl);
        boolean unset = defaultValue(c) == null;
        return meaning + choices + " (" + name + (unset ? "; unset by default)" : "; default: ${DEFAULT-VALUE})");
    }

    private static String text(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : value.toString();
    }

    private static String label(Class<?> t) {
        if (t == boolean.class || t == Boolean.class) {
            return "true|false";
        }
        if (t.isEnum()) {
            return "NAME";
        }
        return t == double.class || t == Double.class ? "X" : t == String.class ? "TEXT" : "N";
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumValue(Class<?> t, String value) {
        for (Object constant : t.getEnumConstants()) {
            if (((Enum) constant).name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not one of " + Arrays.stream(t.getEnumConstants())
                .map(HyperParameters::text).toList());
    }

    /** The option's value as the component's type (the mixin's {@code Long} max-steps for an {@code int} field). */
    private static Object convert(Object value, Class<?> target, String option) {
        if (value == null || !(value instanceof Number n) || target.isInstance(value)) {
            return value;
        }
        if (target == int.class || target == Integer.class) {
            if (n.longValue() != n.intValue()) {
                throw new IllegalArgumentException(option + ": " + value + " is out of range");
            }
            return n.intValue();
        }
        if (target == long.class || target == Long.class) {
            return n.longValue();
        }
        if (target == double.class || target == Double.class) {
            return n.doubleValue();
        }
        return value;
    }
}

package dev.rlhf4j.rlhf.reference;

import java.util.function.BooleanSupplier;

/**
 * Turns a model's LoRA adapters off for a while: what {@link LoraDisabledReference} needs of a LoRA policy, as PEFT's
 * {@code with model.disable_adapter():} context. Inside the scope the model must compute exactly its base model
 * ({@code W x}, not {@code W x + (alpha / r) B A x}); closing the scope restores the adapters' previous state, also
 * when the pass in between threw.
 *
 * <p>nn cannot depend on rlhf, so a LoRA model does not implement this interface; it offers the three methods of
 * {@link #of} (query, switch off, switch on) and the trainer wires them up:
 * {@code AdapterSwitch.of(lora::adaptersEnabled, lora::disableAdapters, lora::enableAdapters)}.
 */
@FunctionalInterface
public interface AdapterSwitch {
    /** The scope of a disabled-adapter pass; closing it never throws a checked exception. */
    @FunctionalInterface
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Switches the adapters off until the returned scope is closed. */
    Scope disable();

    /**
     * A switch over a model's own methods. A scope opened while the adapters are already off leaves them off when it
     * closes, so scopes nest.
     *
     * @param enabled whether the adapters are on now
     * @param off     switches every adapter off (the base model's output from then on)
     * @param on      switches every adapter back on
     */
    static AdapterSwitch of(BooleanSupplier enabled, Runnable off, Runnable on) {
        return () -> {
            if (!enabled.getAsBoolean()) {
                return () -> { };
            }
            off.run();
            return on::run;
        };
    }
}

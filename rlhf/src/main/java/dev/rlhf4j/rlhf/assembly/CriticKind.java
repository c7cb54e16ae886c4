package dev.rlhf4j.rlhf.assembly;

/** Where PPO's critic comes from ({@code --critic}). */
public enum CriticKind {
    /** A copy of the reward model's trunk and score head (TRL's {@code value_model}). */
    SEPARATE,
    /** A value head on the actor's trunk. */
    SHARED
}

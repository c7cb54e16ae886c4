package dev.rlhf4j.rlhf.train;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trainer's configuration as the tree it is: the config record holds one record per concern (optimization,
 * batching, rollout, loss, ...), and the hyper-parameters are the leaves, each named once in the whole tree. The
 * command line ({@code cli.HyperParameters}) and the configs' builders ({@link ConfigBuilder}) both see a config as its
 * leaves by name and rebuild it through the records' canonical constructors, so each record's checks run.
 */
public final class RecordTree {
    private RecordTree() {
    }

    /** The hyper-parameters of {@code type}, depth first in record order; fails if two leaves share a name. */
    public static List<RecordComponent> leaves(Class<? extends Record> type) {
        List<RecordComponent> out = new ArrayList<>();
        collect(type, out);
        Set<String> names = new HashSet<>();
        for (RecordComponent c : out) {
            if (!names.add(c.getName())) {
                throw new IllegalStateException(type.getSimpleName() + " has two hyper-parameters named " + c.getName());
            }
        }
        return out;
    }

    /** Leaf name to value, in {@link #leaves} order. */
    public static Map<String, Object> values(Record config) {
        Map<String, Object> out = new LinkedHashMap<>();
        collect(config, out);
        return out;
    }

    /**
     * The record of {@code type} with these leaf values, built bottom-up through the canonical constructors; an
     * {@link IllegalArgumentException} from a record's checks propagates as it is.
     */
    public static <R extends Record> R build(Class<R> type, Map<String, ?> values) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            if (c.getType().isRecord()) {
                args[i] = build(c.getType().asSubclass(Record.class), values);
            } else if (values.containsKey(c.getName())) {
                args[i] = values.get(c.getName());
            } else {
                throw new IllegalArgumentException(type.getSimpleName() + "." + c.getName() + " was not given");
            }
        }
        try {
            Constructor<R> canonical = type.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            return canonical.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    private static void collect(Class<?> type, List<RecordComponent> out) {
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.getType().isRecord()) {
                collect(c.getType(), out);
            } else {
                out.add(c);
            }
        }
    }

    private static void collect(Record node, Map<String, Object> out) {
        for (RecordComponent c : node.getClass().getRecordComponents()) {
            Object value = read(node, c);
            if (value instanceof Record child && c.getType().isRecord()) {
                collect(child, out);
            } else {
                out.put(c.getName(), value);
            }
        }
    }

    private static Object read(Record node, RecordComponent c) {
        try {
            return c.getAccessor().invoke(node);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}

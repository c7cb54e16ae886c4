package dev.rlhf4j.rlhf.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts of a run's metric curves against the step, drawn with XChart, one chart per group of metrics: the
 * group is the name up to its first {@code /} ({@code rewards/chosen} and {@code rewards/margins} share
 * {@code rewards.png}; {@code loss} and {@code loss/value_avg} share {@code loss.png}; {@code learning_rate} stands
 * alone). Non-finite figures are left out of a curve. Rendering is headless: no display is needed or opened.
 */
public final class MetricPlots {
    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    /** Above this many steps a curve is drawn without point markers. */
    private static final int MARKER_LIMIT = 60;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private MetricPlots() {
    }

    /** Draws the curves of {@code metricsJsonl} into {@code outDir}; see {@link #draw(List, Path)}. */
    public static List<Path> draw(Path metricsJsonl, Path outDir) {
        return draw(MetricsLog.read(metricsJsonl), outDir);
    }

    /**
     * Draws one {@link #WIDTH} x {@link #HEIGHT} PNG per metric group into {@code outDir} (created if missing).
     *
     * @return the files written, in the order the groups first appear
     */
    public static List<Path> draw(List<MetricsRow> rows, Path outDir) {
        Map<String, List<String>> groups = groups(rows);
        List<Path> written = new ArrayList<>();
        Set<String> usedNames = new HashSet<>();
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plot folder " + outDir, e);
        }
        for (Map.Entry<String, List<String>> group : groups.entrySet()) {
            XYChart chart = chart(group.getKey(), group.getValue(), rows);
            if (chart.getSeriesMap().isEmpty()) {
                continue;                                           // every figure of the group was NaN or infinite
            }
            Path file = outDir.resolve(uniqueFileName(group.getKey(), usedNames));
            try {
                AtomicFiles.writeBytes(file, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot draw " + file, e);
            }
            written.add(file);
        }
        return written;
    }

    /** Metric names by group (the name up to its first '/'), both in order of first appearance. */
    static Map<String, List<String>> groups(List<MetricsRow> rows) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (MetricsRow row : rows) {
            for (String name : row.metrics().keySet()) {
                int slash = name.indexOf('/');
                List<String> members = groups.computeIfAbsent(slash > 0 ? name.substring(0, slash) : name,
                        g -> new ArrayList<>());
                if (!members.contains(name)) {
                    members.add(name);
                }
            }
        }
        return groups;
    }

    /** A file name from a group name: characters outside {@code [A-Za-z0-9._-]} become '_'; clashes get a suffix. */
    static String uniqueFileName(String group, Set<String> used) {
        String safe = group.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
        String name = safe + ".png";
        for (int n = 2; !used.add(name); n++) {
            name = safe + "-" + n + ".png";
        }
        return name;
    }

    private static XYChart chart(String group, List<String> names, List<MetricsRow> rows) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(group).xAxisTitle("step")
                .yAxisTitle(names.size() == 1 ? names.get(0) : group).build();
        chart.getStyler().setLegendVisible(names.size() > 1);
        chart.getStyler().setAntiAlias(true);
        for (String name : names) {
            List<Double> steps = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (MetricsRow row : rows) {
                Double v = row.metrics().get(name);
                if (v != null && Double.isFinite(v)) {
                    steps.add((double) row.step());
                    values.add(v);
                }
            }
            if (!steps.isEmpty()) {
                XYSeries series = chart.addSeries(name, steps, values);
                if (steps.size() > MARKER_LIMIT) {
                    series.setMarker(SeriesMarkers.NONE);
                }
            }
        }
        return chart;
    }
}

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws bench/catalog-size-bench.sh's table as a PNG: requests per second (left) and p99 latency (right) against the
 * number of products, on a logarithmic axis. Java's own 2D graphics, so it runs wherever the store builds:
 * {@code java bench/PlotCurve.java docs/img/catalog-size.tsv docs/img/catalog-size.png}.
 */
public class PlotCurve {
  private static final Color[] COLOURS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0x7f7f7f)};

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    List<String> header = Arrays.asList(lines.get(0).split("\t"));
    List<double[]> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      rows.add(Arrays.stream(line.split("\t")).mapToDouble(Double::parseDouble).toArray());
    }
    if (rows.isEmpty()) {
      System.err.println(args[0] + " has no measurements: nothing to draw");
      System.exit(1);
    }
    BufferedImage image = new BufferedImage(1200, 540, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    String[] series = {"category", "by_price", "all", "bare"};
    String[] labels = {"category page", "by price, skip 100", "admin: everything", "bare Vert.x server"};
    panel(g, 40, "requests per second", rows, header, series, labels, "_rps");
    panel(g, 640, "p99 latency (ms)", rows, header, series, labels, "_p99_ms");
    g.dispose();
    ImageIO.write(image, "png", new File(args[1]));
    System.out.println("wrote " + args[1]);
  }

  private static void panel(Graphics2D g, int left, String title, List<double[]> rows, List<String> header,
      String[] series, String[] labels, String suffix) {
    int top = 50;
    int width = 520;
    int height = 380;
    DoubleSummaryStatistics sizes = rows.stream().mapToDouble(r -> r[0]).summaryStatistics();
    double minX = Math.log10(sizes.getMin()); // rows is not empty: refused above
    double maxX = Math.log10(sizes.getMax());
    if (maxX - minX < 1e-9) { // a single size: one point, in the middle of a one-decade axis
      minX -= 0.5;
      maxX += 0.5;
    }
    double maxY = 0;
    for (String s : series) {
      int column = header.indexOf(s + suffix);
      for (double[] r : rows) {
        maxY = Math.max(maxY, r[column]);
      }
    }
    maxY = maxY * 1.1;
    g.setStroke(new BasicStroke(1f));
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString(title + " vs products in the catalog", left, top - 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawRect(left, top, width, height);
    for (int i = 0; i <= 5; i++) {
      int y = top + height - i * height / 5;
      g.setColor(new Color(0xdddddd));
      g.drawLine(left + 1, y, left + width - 1, y);
      g.setColor(Color.BLACK);
      g.drawString(String.format("%,.0f", maxY * i / 5), left + width + 6, y + 4);
    }
    for (double[] r : rows) {
      int x = left + (int) ((Math.log10(r[0]) - minX) / (maxX - minX) * width);
      g.drawString(String.format("%,.0f", r[0]), x - 20, top + height + 18);
    }
    for (int s = 0; s < series.length; s++) {
      int column = header.indexOf(series[s] + suffix);
      g.setColor(COLOURS[s]);
      g.setStroke(new BasicStroke(2.5f));
      int[] previous = null;
      for (double[] r : rows) {
        int x = left + (int) ((Math.log10(r[0]) - minX) / (maxX - minX) * width);
        int y = top + height - (int) (r[column] / maxY * height);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (previous != null) {
          g.drawLine(previous[0], previous[1], x, y);
        }
        previous = new int[] {x, y};
      }
      int legendX = left + (s % 2) * 260;
      int legendY = top + height + 40 + (s / 2) * 18;
      g.drawLine(legendX, legendY, legendX + 20, legendY);
      g.setColor(Color.BLACK);
      g.drawString(labels[s], legendX + 26, legendY + 4);
    }
  }
}

using System.Globalization;
using System.Net;
using System.Text;

namespace FocusSync.Bench.Growth;

/// <summary>A line per series over evenly spaced x labels (each a step of the growth), on a y axis from zero.</summary>
internal sealed record ChartPanel(string Title, string YLabel, IReadOnlyList<string> XLabels, IReadOnlyList<(string Name, IReadOnlyList<double?> Values)> Series);

/// <summary>Panels side by side in one SVG file: no dependency, readable in any browser and on GitHub.</summary>
internal static class SvgChart
{
    private const int PanelWidth = 360;
    private const int PanelHeight = 280;
    private const int Left = 60;
    private const int Right = 20;
    private const int Top = 40;
    private const int Bottom = 90;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    public static string Render(IReadOnlyList<ChartPanel> panels)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{PanelWidth * panels.Count}" height="{PanelHeight}" font-family="sans-serif" font-size="11">""").AppendLine();
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        for (var p = 0; p < panels.Count; p++)
        {
            Panel(svg, panels[p], p * PanelWidth);
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void Panel(StringBuilder svg, ChartPanel panel, int x0)
    {
        var width = PanelWidth - Left - Right;
        var height = PanelHeight - Top - Bottom;
        var max = panel.Series.SelectMany(s => s.Values).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        var top = NiceCeiling(max);
        double X(int i) => x0 + Left + (panel.XLabels.Count == 1 ? width / 2.0 : i * width / (double)(panel.XLabels.Count - 1));
        double Y(double v) => Top + height - v / top * height;

        svg.AppendLine(Inv($"""<text x="{x0 + PanelWidth / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{Escape(panel.Title)}</text>"""));
        svg.AppendLine(Inv($"""<text x="{x0 + 14}" y="{Top + height / 2}" text-anchor="middle" transform="rotate(-90 {x0 + 14} {Top + height / 2})">{Escape(panel.YLabel)}</text>"""));
        for (var t = 0; t <= 4; t++)
        {
            var value = top * t / 4;
            svg.AppendLine(Inv($"""<line x1="{x0 + Left}" x2="{x0 + Left + width}" y1="{Y(value):F1}" y2="{Y(value):F1}" stroke="#ddd"/>"""));
            svg.AppendLine(Inv($"""<text x="{x0 + Left - 6}" y="{Y(value) + 4:F1}" text-anchor="end">{Label(value)}</text>"""));
        }

        for (var i = 0; i < panel.XLabels.Count; i++)
        {
            svg.AppendLine(Inv($"""<text x="{X(i):F1}" y="{Top + height + 16}" text-anchor="middle">{Escape(panel.XLabels[i])}</text>"""));
        }

        for (var s = 0; s < panel.Series.Count; s++)
        {
            var (name, values) = panel.Series[s];
            var color = Colors[s % Colors.Length];
            var points = values.Select((v, i) => (v, i)).Where(p => p.v is not null).Select(p => (X: X(p.i), Y: Y(p.v!.Value))).ToList();
            if (points.Count > 1)
            {
                svg.AppendLine(Inv($"""<polyline fill="none" stroke="{color}" stroke-width="2" points="{string.Join(' ', points.Select(p => Inv($"{p.X:F1},{p.Y:F1}")))}"/>"""));
            }

            foreach (var (px, py) in points)
            {
                svg.AppendLine(Inv($"""<circle cx="{px:F1}" cy="{py:F1}" r="3" fill="{color}"/>"""));
            }

            var legendY = Top + height + 34 + s * 14;
            svg.AppendLine(Inv($"""<rect x="{x0 + Left}" y="{legendY - 9}" width="10" height="10" fill="{color}"/>"""));
            svg.AppendLine(Inv($"""<text x="{x0 + Left + 16}" y="{legendY}">{Escape(name)}</text>"""));
        }
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(c => c >= value);
    }

    private static string Label(double value) => value >= 1000 ? Inv($"{value / 1000:0.#}k") : Inv($"{value:0.##}");

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}

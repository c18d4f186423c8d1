using System.Globalization;

namespace Cds.Reliability;

/// <summary>The counts one scenario prints. <see cref="Failed"/> when anything was lost or duplicated, a 5xx appeared, a service crashed, or a check failed.</summary>
public sealed class ScenarioResult(string name, string title, string command)
{
    public string Name { get; } = name;
    public string Title { get; } = title;
    public string Command { get; } = command;
    public int Sent { get; set; }
    public int Answered { get; set; }
    public int InTime { get; set; }
    public int FiveXx { get; set; }
    public int Lost { get; set; }
    public int Duplicated { get; set; }
    public int Crashes { get; set; }
    public List<string> Failures { get; } = [];
    public List<string> Notes { get; } = [];
    public List<string> Missing { get; } = [];
    public TimeSpan Elapsed { get; set; }

    public bool Failed => Lost > 0 || Duplicated > 0 || FiveXx > 0 || Crashes > 0 || Failures.Count > 0;

    public void Check(bool ok, string failure)
    {
        if (!ok)
        {
            Failures.Add(failure);
        }
    }

    public string CountsLine() => string.Create(CultureInfo.InvariantCulture,
        $"[{Name}] sent={Sent} answered={Answered} in-time={InTime} 5xx={FiveXx} lost={Lost} duplicated={Duplicated} crashes={Crashes} failures={Failures.Count} ({Elapsed.TotalSeconds:0} s) {(Failed ? "FAIL" : "ok")}");
}

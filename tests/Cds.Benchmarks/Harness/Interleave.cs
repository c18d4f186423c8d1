namespace Cds.Benchmarks.Harness;

/// <summary>
/// Runs two measurements A B A B … (the order alternates each repetition: A B, B A, A B …) so that drift on a
/// shared machine hits both sides. A first untimed pair warms both up.
/// </summary>
public static class Interleave
{
    public static async Task<(List<double> Ours, List<double> Baseline)> RunAsync(int repetitions,
        Func<Task<double>> ours, Func<Task<double>> baseline, bool warmup = true)
    {
        if (warmup)
        {
            await ours();
            await baseline();
        }
        var a = new List<double>(repetitions);
        var b = new List<double>(repetitions);
        for (var i = 0; i < repetitions; i++)
        {
            if (i % 2 == 0)
            {
                a.Add(await ours());
                b.Add(await baseline());
            }
            else
            {
                b.Add(await baseline());
                a.Add(await ours());
            }
        }
        return (a, b);
    }
}

namespace Cds.Hooks.Tests;

/// <summary>The race between the pipeline's answer and the endpoint's hard deadline is settled once, whoever comes first.</summary>
public sealed class AnswerGateTests
{
    [Fact]
    public void A_committed_answer_cannot_be_abandoned()
    {
        var gate = new AnswerGate();
        Assert.True(gate.TryCommit());
        Assert.False(gate.TryAbandon());
        Assert.True(gate.TryCommit());
        Assert.False(gate.Abandoned);
    }

    [Fact]
    public void An_abandoned_answer_cannot_be_committed()
    {
        var gate = new AnswerGate();
        Assert.True(gate.TryAbandon());
        Assert.False(gate.TryCommit());
        Assert.True(gate.TryAbandon());
        Assert.True(gate.Abandoned);
    }

    [Fact]
    public async Task Racing_both_sides_settles_exactly_one_way()
    {
        for (var i = 0; i < 2000; i++)
        {
            var gate = new AnswerGate();
            using var start = new ManualResetEventSlim();
            var commit = Task.Run(() => { start.Wait(); return gate.TryCommit(); });
            var abandon = Task.Run(() => { start.Wait(); return gate.TryAbandon(); });
            start.Set();
            var (committed, abandoned) = (await commit, await abandon);
            Assert.True(committed ^ abandoned, $"round {i}: committed={committed}, abandoned={abandoned}");
            Assert.Equal(abandoned, gate.Abandoned);
        }
    }
}

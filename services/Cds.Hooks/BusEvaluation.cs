using Cds.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// A hook decided by enrichment over the bus (it reads with the backend token what the request lacks): one request,
/// waited on within the evaluation wait. A singleton: each evaluation makes its own scope for the bus client.
/// </summary>
public sealed class BusEvaluation(
    IServiceScopeFactory scopes,
    IOptions<HookOptions> options,
    HookMetrics metrics,
    ILogger<BusEvaluation> log)
{
    /// <summary>
    /// Asks enrichment and waits until the evaluation wait ends. The request is sent on its own clock, not the deadline's:
    /// a send cancelled by the deadline (a slow publisher confirm, a broker restart) would lose the evaluation, and with
    /// it the late result the patient's next hook should show. Enrichment records its own result (in time or late).
    /// </summary>
    internal async Task<IReadOnlyList<Card>?> EvaluateAsync(HookInvocation hook, DateTimeOffset receivedAt, HookBudget budget, AnswerGate gate,
        IReadOnlyList<OverrideSnooze> snoozes)
    {
        var evaluation = SendEvaluationAsync(hook.ToEvaluateHook(receivedAt, budget.Deadline, snoozes));
        try
        {
            var response = await evaluation.WaitAsync(budget.EvaluationLeft);
            return response.Message.Cards;
        }
        catch (Exception ex) when (ex is TimeoutException or RequestTimeoutException or OperationCanceledException)
        {
            // (Cancelled: the evaluation's own bound, Hooks:EvaluationSendTimeout, ended it first — a long deadline or a
            // stalled machine. Still only "no live cards": the answer must be recorded all the same.)
            metrics.DeadlineMissed(hook.Service.Id, hook.Tenant);
            if (!gate.Abandoned)
            {
                log.LogWarning("Hook {HookInstance} on {Service}: deadline of {Deadline} ms passed; answering without live cards",
                    hook.HookInstance, hook.Service.Id, budget.Deadline.TotalMilliseconds);
            }
        }
        catch (Exception ex)
        {
            // The broker or the enrichment service failed: the clinician still gets an answer in time.
            metrics.DeadlineMissed(hook.Service.Id, hook.Tenant);
            log.LogError("Hook {HookInstance} on {Service}: enrichment unavailable ({Error}); answering without live cards",
                hook.HookInstance, hook.Service.Id, ex.GetType().Name);
        }
        return null;
    }

    /// <summary>
    /// Sends the evaluation and waits for its result for at most <see cref="HookOptions.EvaluationSendTimeout"/>,
    /// whatever the hook's deadline. A hook that stops waiting leaves this running: the send completes (the message
    /// outlives the deadline, <see cref="HookOptions.EvaluationTimeToLive"/>) and its failure, if any, is logged.
    /// </summary>
    private async Task<Response<HookEvaluated>> SendEvaluationAsync(EvaluateHook request)
    {
        var bound = options.Value.EvaluationSendTimeout;
        using var scope = scopes.CreateScope();
        using var sendCts = new CancellationTokenSource(bound);
        try
        {
            return await scope.ServiceProvider.GetRequiredService<IRequestClient<EvaluateHook>>().GetResponse<HookEvaluated>(request,
                x => x.TimeToLive = options.Value.EvaluationTimeToLive, sendCts.Token, RequestTimeout.After(ms: (int)bound.TotalMilliseconds));
        }
        catch (Exception ex) when (ex is OperationCanceledException or RequestTimeoutException)
        {
            // Not sent within the bound (broker unreachable: no late result), or sent and not answered within it (the
            // result is recorded when the evaluation completes). Which one, MassTransit's send log says.
            log.LogWarning("Evaluation of hook {HookInstance}: no response within Hooks:EvaluationSendTimeout ({Bound} s)",
                request.HookInstance, bound.TotalSeconds);
            throw;
        }
        catch (Exception ex)
        {
            log.LogWarning("Evaluation of hook {HookInstance} not completed: {Error}", request.HookInstance, ex.GetType().Name);
            throw;
        }
    }
}

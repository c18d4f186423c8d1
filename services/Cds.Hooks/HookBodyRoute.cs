using Cds.Hooks.Requests;

namespace Cds.Hooks;

/// <summary>Marks the routes whose body the hooks service reads itself (hook and feedback calls), under <see cref="HookRequestReaderOptions.MaxBodyBytes"/>.</summary>
internal sealed class HookBodyRoute
{
    public static readonly HookBodyRoute Instance = new();
}

using Cds.EventStore;
using Cds.Hooks.Requests;

namespace Cds.Hooks;

public static class EpicExtensionMapping
{
    /// <summary>The Epic extension block as the hook event records it.</summary>
    public static EpicExtension ToEvent(this EpicRequestExtension e) =>
        new(e.TriggerAction, e.TriggerActionMeaning, e.CriteriaId, e.EpicVersion, e.Other.Count == 0 ? null : e.Other);
}

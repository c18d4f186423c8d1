namespace Cds.EpicSandbox;

public enum FeedbackShape
{
    /// <summary>CDS Hooks 2.0: `overrideReason` { reason: Coding, userComment }.</summary>
    Spec,

    /// <summary>Epic: `overrideReasons` (plural) with `extension` keys com.epic.cdshooks.feedback.overrideReason.*.</summary>
    Epic,
}

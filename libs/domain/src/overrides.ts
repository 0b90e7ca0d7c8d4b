import { DEFAULT_FRAUD_MODES, type AppRules, type CampaignWindows, type FraudModes } from './attribution';

/** "What if" settings for a replay: windows for every campaign or per campaign, app rules, fraud modes. */
export interface DecisionOverrides {
  clickLookbackHours?: number;
  viewLookbackHours?: number;
  fingerprintLookbackHours?: number;
  campaigns?: Record<string, Partial<CampaignWindows>>;
  minCtitSeconds?: number;
  reattributionDays?: number;
  clickFloodThreshold?: number;
  fraudModes?: Partial<FraudModes>;
  ipBlocklist?: string[];
}

export interface DecisionSettings {
  app: AppRules;
  campaigns: Map<string, CampaignWindows>;
  ipBlocklist: string[];
}

/** The settings a decision is made with once overrides apply: per-campaign beats all-campaign beats stored. */
export function applyOverrides(settings: DecisionSettings, o: DecisionOverrides | undefined): DecisionSettings {
  if (!o) return settings;
  const campaigns = new Map<string, CampaignWindows>();
  for (const [id, w] of settings.campaigns) {
    campaigns.set(id, {
      clickLookbackHours: o.campaigns?.[id]?.clickLookbackHours ?? o.clickLookbackHours ?? w.clickLookbackHours,
      viewLookbackHours: o.campaigns?.[id]?.viewLookbackHours ?? o.viewLookbackHours ?? w.viewLookbackHours,
      fingerprintLookbackHours:
        o.campaigns?.[id]?.fingerprintLookbackHours ?? o.fingerprintLookbackHours ?? w.fingerprintLookbackHours,
    });
  }
  return {
    campaigns,
    ipBlocklist: o.ipBlocklist ?? settings.ipBlocklist,
    app: {
      minCtitSeconds: o.minCtitSeconds ?? settings.app.minCtitSeconds,
      reattributionDays: o.reattributionDays ?? settings.app.reattributionDays,
      clickFloodThreshold: o.clickFloodThreshold ?? settings.app.clickFloodThreshold,
      fraudModes: mergeModes(settings.app.fraudModes ?? DEFAULT_FRAUD_MODES, o.fraudModes),
    },
  };
}

/** Only modes actually given override: a validated DTO carries its unset fields as `undefined` keys. */
function mergeModes(stored: Partial<FraudModes>, o: Partial<FraudModes> | undefined): FraudModes {
  const merged = { ...DEFAULT_FRAUD_MODES };
  for (const key of Object.keys(merged) as (keyof FraudModes)[]) merged[key] = o?.[key] ?? stored[key] ?? merged[key];
  return merged;
}

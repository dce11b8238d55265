// Client installation (seed 000; W:51): the management mode — internet-only (CCMALWAYSINF=1) or
// intranet-and-internet — is set when CCMSetup installs the client and changes only with a
// reinstall; a workgroup computer can only be installed internet-only.
import type { ClientProfile } from './profile.js';

export type ManagementMode = 'internet-only' | 'intranet+internet';

export type InstallOutcome = { installed: true; installation: ClientInstallation } | { installed: false; reason: string };

export class ClientInstallation {
  private constructor(
    private profileAtInstall: ClientProfile,
    readonly mode: ManagementMode,
  ) {}

  /** CCMSetup with the profile's install properties; `domainJoined: false` is a workgroup computer. */
  static install(profile: ClientProfile, options: { domainJoined: boolean }): InstallOutcome {
    const mode: ManagementMode = profile.install.CCMALWAYSINF === 1 ? 'internet-only' : 'intranet+internet';
    if (!options.domainJoined && mode !== 'internet-only')
      return { installed: false, reason: 'a workgroup computer can only be installed as an internet-only client (CCMALWAYSINF=1)' };
    return { installed: true, installation: new ClientInstallation(profile, mode) };
  }

  /**
   * Changing CCMALWAYSINF on an installed client (a registry edit, a new client setting): ignored —
   * the mode stays what CCMSetup set. Returns the mode in force.
   */
  reconfigure(CCMALWAYSINF: 0 | 1): { mode: ManagementMode; changed: boolean; reason: string } {
    const wanted: ManagementMode = CCMALWAYSINF === 1 ? 'internet-only' : 'intranet+internet';
    return {
      mode: this.mode,
      changed: false,
      reason: wanted === this.mode ? 'already in that mode' : `the mode is fixed at install; ${wanted} needs a reinstall`,
    };
  }

  /** The profile the installed client runs with, placed where `where` stands (its DNS view and address), in the installed mode. */
  profile(where: ClientProfile = this.profileAtInstall): ClientProfile {
    return { ...where, install: { ...where.install, CCMALWAYSINF: this.mode === 'internet-only' ? 1 : 0 } };
  }
}

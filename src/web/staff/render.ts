import type { Response } from 'express';
import type { Services } from '../../services.js';
import { views, type PageContent } from '../views.js';

export type Section = 'cases' | 'newReferral' | 'signIn';

/** Every staff page: the named template in templates/staff inside the staff layout, with who is signed in and their menu. */
export function staffRenderer({ config }: Pick<Services, 'config'>) {
  return (res: Response, status: number, name: string, model: PageContent & { section?: Section }) => {
    const signedIn = res.locals.signedIn;
    const worksCases = signedIn && signedIn.user.role !== 'admin';
    const navigation = worksCases
      ? [
          { text: 'Cases', href: '/', active: model.section === 'cases' },
          { text: 'New referral', href: '/cases/new', active: model.section === 'newReferral' },
        ]
      : [];
    const page = views.page(
      `staff/${name}`,
      {
        ...model,
        service: config.service,
        ...(signedIn ? { staff: { name: signedIn.user.name, role: signedIn.user.role }, csrf: signedIn.csrfToken, navigation } : {}),
        ...(res.locals.flash ? { flash: res.locals.flash } : {}),
      },
      'staff',
    );
    res.status(status).type('html').send(page);
  };
}

export type StaffRender = ReturnType<typeof staffRenderer>;
